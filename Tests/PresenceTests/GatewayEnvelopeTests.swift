import MPIMCore
import MPIMServices
import Testing
@testable import Presence

@Suite("Gateway envelope")
struct GatewayEnvelopeTests {
    private func roundTrip(_ envelope: GatewayEnvelope) -> GatewayEnvelope? {
        GatewayEnvelope(decoding: Array(envelope.encoded.utf8))
    }

    @Test("a delivery round-trips users, message id and the push line byte for byte")
    func delivery() {
        let frame = PushFrame(line: "MSG id=9 from=1 ts=5 text=a  b\tc é", messageID: 9)
        let envelope = GatewayEnvelope.deliver(users: [3, 4], frame: frame)
        #expect(roundTrip(envelope) == envelope)
    }

    @Test("a group message's delivery carries its group, for the receipts")
    func groupDelivery() {
        let frame = PushFrame(line: "GMSG id=9 group=4 from=1 ts=5 text=x", messageID: 9, group: 4)
        let envelope = GatewayEnvelope.deliver(users: [3], frame: frame)
        #expect(envelope.encoded.hasPrefix("deliver 3 9 4\n"))
        #expect(roundTrip(envelope) == envelope)
    }

    @Test("a push without a message carries no message id")
    func noMessage() {
        let envelope = GatewayEnvelope.deliver(users: [7], frame: PushFrame(line: "PRESENCE uid=1 status=away", messageID: nil))
        #expect(roundTrip(envelope) == envelope)
    }

    @Test("a kick round-trips user, device and reason")
    func kick() {
        let envelope = GatewayEnvelope.kick(user: 5, device: "phone", reason: "duplicate login")
        #expect(roundTrip(envelope) == envelope)
    }

    @Test("malformed payloads are refused, not guessed at")
    func malformed() {
        for payload in ["", "deliver 1 2", "deliver  2\nMSG", "deliver a,b 2\nMSG", "send 1 2\nMSG", "deliver 1 -2\nMSG",
                        "deliver 1,,2 3\nMSG", "deliver 1 2 0\nGMSG", "deliver 1 2 x\nGMSG", "deliver 1 2 3 4\nGMSG", "kick 1\nx", "kick x phone\nx", "kick 1 phone\n", "kick 1  \nx"] {
            #expect(GatewayEnvelope(decoding: Array(payload.utf8)) == nil, "\(payload)")
        }
        #expect(GatewayEnvelope(decoding: [0x64, 0xFF, 0x0A, 0x41]) == nil)
    }

    @Test("several envelopes travel as one payload and come back in order")
    func batch() {
        let envelopes: [GatewayEnvelope] = [
            .deliver(users: [3], frame: PushFrame(line: "MSG id=1 from=2 ts=5 text=first", messageID: 1)),
            .kick(user: 4, device: "*", reason: "admin"),
            .deliver(users: [3, 5], frame: PushFrame(line: "GMSG id=2 group=1 from=2 ts=6 text=second", messageID: 2, group: 1)),
            .broadcast(frame: PushFrame(line: "PRESENCE uid=2 status=away", messageID: nil)),
        ]
        #expect(GatewayEnvelope.decodeAll(Array(GatewayEnvelope.encode(envelopes).utf8)) == envelopes)
        let single = GatewayEnvelope.kick(user: 1, device: "cli", reason: "x")
        #expect(GatewayEnvelope.decodeAll(Array(single.encoded.utf8)) == [single], "one envelope is a batch of one")
    }

    @Test("a batch with any malformed or missing part is dropped whole")
    func malformedBatch() {
        let good = GatewayEnvelope.deliver(users: [3], frame: PushFrame(line: "MSG id=1 from=2 ts=5 text=a", messageID: 1)).encoded
        for payload in [good + "\n", good + "\nkick 1 phone", good + "\nsend 1 2\nMSG", good + "\n\n" + good] {
            #expect(GatewayEnvelope.decodeAll(Array(payload.utf8)) == nil, "\(payload)")
        }
    }
}

@Suite("Route entries")
struct RouteEntryTests {
    @Test("the stored value is '<gateway> <since>' and parses back")
    func value() {
        let entry = RouteEntry(device: "phone", gateway: "gw-2", since: 1700000000000)
        #expect(entry.value == "gw-2 1700000000000")
        #expect(RouteEntry(device: "phone", value: entry.value) == entry)
        #expect(RouteEntry(device: "phone", value: "gw-2") == nil)
        #expect(RouteEntry(device: "phone", value: "gw 2 3") == nil)
    }

    @Test("invisible reads as offline to others; STATUS can choose four statuses")
    func statuses() {
        #expect(PresenceStatus.invisible.visible == .offline)
        #expect(PresenceStatus.away.visible == .away)
        #expect(!PresenceStatus.selectable.contains(.offline))
    }
}
