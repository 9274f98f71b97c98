import MPIMCore
import MPIMServices
import SwiftProtobuf
import Testing
@testable import Presence

/// The bus's wire form: `mpim.bus.v1.Batch` through the generated types.
@Suite("Gateway envelope on the bus")
struct GatewayEnvelopeTests {
    private func roundTrip(_ envelopes: [GatewayEnvelope]) throws -> [GatewayEnvelope] {
        try GatewayEnvelope.envelopes(in: try GatewayEnvelope.payload(envelopes))
    }

    private func message(_ id: MessageID, _ conversation: Conversation, _ text: String, from sender: UserID = 2)
        -> ChatMessage {
        ChatMessage(id: id, sender: sender, conversation: conversation, text: text, timestamp: 1_700_000_000_123)
    }

    /// A batch of version 1 holding `envelope`, as bytes, for payloads no gateway would write.
    private func payload(_ envelope: Mpim_Bus_V1_Envelope, version: UInt32 = 1) throws -> [UInt8] {
        try Mpim_Bus_V1_Batch.with {
            $0.version = version
            $0.envelopes = [envelope]
        }.serializedBytes()
    }

    private func error(decoding payload: [UInt8]) -> BusPayloadError? {
        do {
            _ = try GatewayEnvelope.envelopes(in: payload)
            return nil
        } catch {
            return error
        }
    }

    /// Text no line could carry: newlines, CR, tab, NUL, runs of spaces, non-ASCII, an emoji.
    static let awkwardText = "line one\nline two\r\n\ta  b \u{0} é ü 漢字 🙂\n"

    @Test("every envelope and push kind round-trips, in order, the text byte for byte")
    func everyKind() throws {
        let text = Self.awkwardText
        let envelopes: [GatewayEnvelope] = [
            .deliver(users: [3, 4], push: .message(message(9, .direct(3), text))),
            .deliver(users: [3], push: .message(message(10, .group(4), text))),
            .deliver(users: [2], push: .sent(message(11, .direct(3), text))),
            .deliver(users: [2], push: .sent(message(12, .group(4), text))),
            .deliver(users: [7], push: .presence(user: 1, status: .away)),
            .deliver(users: [7], push: .kicked(reason: "admin")),
            .kick(user: 5, device: "phone", reason: "duplicate login"),
            .kick(user: 5, device: "*", reason: "admin"),
            .broadcast(.message(message(13, .direct(0), "at noon\nbe back", from: 0))),  // a notice
            .broadcast(.presence(user: 2, status: .busy)),
            .broadcast(.kicked(reason: "server shutdown")),
        ]
        let decoded = try roundTrip(envelopes)
        #expect(decoded == envelopes)
        for status in PresenceStatus.allCases {
            let envelope = GatewayEnvelope.broadcast(.presence(user: 8, status: status))
            #expect(try roundTrip([envelope]) == [envelope], "\(status)")
        }
        guard case .deliver(_, .message(let first)) = decoded.first else {
            Issue.record("\(decoded)")
            return
        }
        #expect(Array(first.text.utf8) == Array(text.utf8), "the text's bytes, not only an equal string")
    }

    @Test("the payload is a protobuf Batch of version 1, readable by any protobuf reader")
    func payloadIsABatch() throws {
        let envelope = GatewayEnvelope.deliver(users: [3], push: .message(message(9, .direct(3), "hi")))
        let bytes = try GatewayEnvelope.payload([envelope])
        let batch = try Mpim_Bus_V1_Batch(serializedBytes: bytes)
        #expect(batch.version == 1)
        #expect(batch.envelopes.count == 1)
        #expect(batch.envelopes[0].deliver.users == [3])
        #expect(batch.envelopes[0].deliver.push.message.text == "hi")
        #expect(batch.envelopes[0].deliver.push.message.recipient == 3)
        #expect(try GatewayEnvelope.payload([]) == [0x08, 0x01], "an empty batch is its version alone")
    }

    @Test("a batch of a version this build does not read is refused as such, even when it would parse")
    func unknownVersion() throws {
        let kick = Mpim_Bus_V1_Envelope.with {
            $0.kick = .with {
                $0.user = 5
                $0.device = "phone"
                $0.reason = "admin"
            }
        }
        #expect(error(decoding: try payload(kick, version: 1)) == nil)
        #expect(error(decoding: try payload(kick, version: 99)) == .version(99))
        #expect(error(decoding: try payload(kick, version: 2)) == .version(2))
        #expect(error(decoding: [0x08, 0x63]) == .version(99), "version 99 and nothing else")
        // A newer layout whose field 2 is no longer an envelope list does not parse, but its version reads.
        #expect(error(decoding: [0x08, 0x02, 0x10, 0x05]) == .version(2))
    }

    @Test("bytes that are not a batch are refused as malformed")
    func garbage() {
        for bytes: [UInt8] in [
            Array("not protobuf".utf8), Array("deliver 3 msg 9 2 5 direct 3\nhello".utf8),  // the old text form
            [0xFF, 0xFF, 0xFF], [0x12, 0x05, 0x01], [0x08], [0x07], [0x0A, 0xFF],
        ] {
            guard case .malformed? = error(decoding: bytes) else {
                Issue.record("\(bytes) was not refused as malformed: \(String(describing: error(decoding: bytes)))")
                continue
            }
        }
        #expect(error(decoding: []) == .malformed("no version"), "an empty payload has no version")
        #expect(error(decoding: [0x18, 0x01]) == .malformed("no version"), "parses (an unknown field), but no version")
    }

    @Test("a batch that parses to something no gateway sends is refused whole, as malformed")
    func invalidContent() throws {
        let good = Mpim_Bus_V1_Push.with { $0.kicked = .with { $0.reason = "admin" } }
        let direct = Mpim_Bus_V1_ChatMessage.with {
            $0.id = 9
            $0.sender = 2
            $0.recipient = 3
            $0.text = "x"
        }
        func deliver(_ users: [Int64], _ push: Mpim_Bus_V1_Push) -> Mpim_Bus_V1_Envelope {
            .with { $0.deliver = .with { $0.users = users; $0.push = push } }
        }
        func kick(_ user: Int64, _ device: String, _ reason: String) -> Mpim_Bus_V1_Envelope {
            .with { $0.kick = .with { $0.user = user; $0.device = device; $0.reason = reason } }
        }
        func withMessage(_ change: (inout Mpim_Bus_V1_ChatMessage) -> Void) -> Mpim_Bus_V1_Push {
            var message = direct
            change(&message)
            return .with { $0.message = message }
        }
        let invalid: [(String, Mpim_Bus_V1_Envelope)] = [
            ("an envelope of no kind", Mpim_Bus_V1_Envelope()),
            ("a delivery to nobody", deliver([], good)),
            ("a delivery to user 0", deliver([3, 0], good)),
            ("a delivery to a negative user", deliver([-3], good)),
            ("a delivery of no push", deliver([3], Mpim_Bus_V1_Push())),
            ("a kick of user 0", kick(0, "phone", "admin")),
            ("a kick of no device", kick(5, "", "admin")),
            ("a kick without a reason", kick(5, "phone", "")),
            ("a broadcast of no push", .with { $0.broadcast = Mpim_Bus_V1_Broadcast() }),
            ("kicked without a reason", deliver([3], .with { $0.kicked = Mpim_Bus_V1_Kicked() })),
            ("presence of user 0", deliver([3], .with { $0.presence = .with { $0.user = 0; $0.status = .away } })),
            ("presence without a status", deliver([3], .with { $0.presence = .with { $0.user = 1 } })),
            ("presence of an unknown status", deliver([3], .with {
                $0.presence = .with { $0.user = 1; $0.status = .UNRECOGNIZED(42) }
            })),
            ("message 0", deliver([3], withMessage { $0.id = 0 })),
            ("a message from a negative sender", deliver([3], withMessage { $0.sender = -1 })),
            ("a message to no conversation", deliver([3], withMessage { $0.conversation = nil })),
            ("a message to a negative user", deliver([3], withMessage { $0.recipient = -3 })),
            ("a message to group 0", deliver([3], withMessage { $0.group = 0 })),
            ("a SENT copy of message 0", deliver([3], .with { $0.sent = .with { $0.recipient = 3 } })),
        ]
        let valid = try payload(deliver([3], withMessage { _ in }))
        #expect(error(decoding: valid) == nil, "the message they are made from is valid")
        for (what, envelope) in invalid {
            var batch = try Mpim_Bus_V1_Batch(serializedBytes: valid)
            batch.envelopes.append(envelope)
            guard case .malformed? = error(decoding: try batch.serializedBytes()) else {
                Issue.record("\(what) was not refused as malformed")
                continue
            }
        }
        // A push kind a newer build might add (field 9 of Push) is unknown here: refused, not guessed at.
        // Batch{version 1, envelopes: [Envelope{deliver: Deliver{users: [3], push: Push{field 9: ""}}}]}
        let newerPush: [UInt8] = [0x08, 0x01, 0x12, 0x09, 0x0A, 0x07, 0x0A, 0x01, 0x03, 0x12, 0x02, 0x4A, 0x00]
        #expect(try Mpim_Bus_V1_Batch(serializedBytes: newerPush).envelopes.count == 1, "the bytes are a batch")
        guard case .malformed? = error(decoding: newerPush) else {
            Issue.record("an unknown push kind was not refused: \(String(describing: error(decoding: newerPush)))")
            return
        }
    }
}
