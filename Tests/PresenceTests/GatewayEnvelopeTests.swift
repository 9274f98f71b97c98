import MPIMCore
import MPIMServices
import Testing
@testable import Presence

@Suite("Gateway envelope")
struct GatewayEnvelopeTests {
    private func roundTrip(_ envelope: GatewayEnvelope) -> GatewayEnvelope? {
        GatewayEnvelope(decoding: Array(envelope.encoded.utf8))
    }

    private func direct(_ id: MessageID, _ text: String) -> Push {
        .message(ChatMessage(id: id, sender: 2, conversation: .direct(3), text: text, timestamp: 5))
    }

    private func group(_ id: MessageID, _ text: String) -> Push {
        .message(ChatMessage(id: id, sender: 2, conversation: .group(4), text: text, timestamp: 6))
    }

    @Test("a delivery carries the message as fields, not a rendered line, and its text byte for byte")
    func delivery() {
        let envelope = GatewayEnvelope.deliver(users: [3, 4], push: direct(9, "a  b\tc é \u{0} \r x"))
        #expect(envelope.encoded.hasPrefix("deliver 3,4 msg 9 2 5 direct 3\n"))
        #expect(!envelope.encoded.contains("MSG "))
        #expect(roundTrip(envelope) == envelope)
    }

    @Test("a SENT copy travels as its own kind, with the recipient and the text byte for byte")
    func sentDelivery() {
        let message = ChatMessage(id: 9, sender: 2, conversation: .direct(3), text: "a  b\tc", timestamp: 5)
        let envelope = GatewayEnvelope.deliver(users: [2], push: .sent(message))
        #expect(envelope.encoded == "deliver 2 sent 9 2 5 direct 3\na  b\tc")
        #expect(roundTrip(envelope) == envelope)
    }

    @Test("a group message's delivery carries its group")
    func groupDelivery() {
        let envelope = GatewayEnvelope.deliver(users: [3], push: group(9, "x"))
        #expect(envelope.encoded == "deliver 3 msg 9 2 6 group 4\nx")
        #expect(roundTrip(envelope) == envelope)
    }

    @Test("presence, kicked and a notice (sender 0, to nobody) round-trip")
    func otherPushes() {
        let notice = Push.message(ChatMessage(id: 7, sender: 0, conversation: .direct(0), text: "at noon", timestamp: 1))
        for envelope in [GatewayEnvelope.deliver(users: [7], push: .presence(user: 1, status: .away)),
                         .deliver(users: [7], push: .kicked(reason: "admin")), .broadcast(notice),
                         .broadcast(.presence(user: 2, status: .busy))] {
            #expect(roundTrip(envelope) == envelope, "\(envelope.encoded)")
        }
    }

    @Test("a kick round-trips user, device and reason")
    func kick() {
        let envelope = GatewayEnvelope.kick(user: 5, device: "phone", reason: "duplicate login")
        #expect(roundTrip(envelope) == envelope)
    }

    @Test("malformed payloads are refused, not guessed at")
    func malformed() {
        for payload in ["", "deliver 1 msg 1 2 3 direct 4", "deliver  msg 1 2 3 direct 4\nx", "deliver a,b msg 1 2 3 direct 4\nx",
                        "send 1 msg 1 2 3 direct 4\nx", "deliver 1 msg -1 2 3 direct 4\nx", "deliver 1,,2 msg 1 2 3 direct 4\nx",
                        "deliver 1 msg 1 2 3 group 0\nx", "deliver 1 msg 1 2 3 room 4\nx", "deliver 1 msg 1 2 3 direct\nx",
                        "deliver 1 MSG id=1 from=2 ts=3 text=x\n", "deliver 1 presence 1 sleepy\n", "deliver 1 presence 1 away\nx",
                        "deliver 1 kicked\n", "broadcast\nx", "kick 1\nx", "kick x phone\nx", "kick 1 phone\n", "kick 1  \nx"] {
            #expect(GatewayEnvelope(decoding: Array(payload.utf8)) == nil, "\(payload)")
        }
        #expect(GatewayEnvelope(decoding: [0x64, 0xFF, 0x0A, 0x41]) == nil)
    }

    @Test("several envelopes travel as one payload and come back in order")
    func batch() {
        let envelopes: [GatewayEnvelope] = [
            .deliver(users: [3], push: direct(1, "first")),
            .kick(user: 4, device: "*", reason: "admin"),
            .deliver(users: [3, 5], push: group(2, "second")),
            .broadcast(.presence(user: 2, status: .away)),
        ]
        #expect(GatewayEnvelope.decodeAll(Array(GatewayEnvelope.encode(envelopes).utf8)) == envelopes)
        let single = GatewayEnvelope.kick(user: 1, device: "cli", reason: "x")
        #expect(GatewayEnvelope.decodeAll(Array(single.encoded.utf8)) == [single], "one envelope is a batch of one")
    }

    @Test("a batch with any malformed or missing part is dropped whole")
    func malformedBatch() {
        let good = GatewayEnvelope.deliver(users: [3], push: direct(1, "a")).encoded
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
