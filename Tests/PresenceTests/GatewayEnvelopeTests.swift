import MPIMCore
import Testing
@testable import Presence

@Suite("Gateway envelope")
struct GatewayEnvelopeTests {
    @Test("round-trips users, message id and the push line byte for byte")
    func roundTrip() throws {
        let frame = PushFrame(line: "MSG id=9 from=1 ts=5 text=a  b\tc é", messageID: 9)
        let envelope = GatewayEnvelope(users: [3, 4], frame: frame)
        let decoded = try #require(GatewayEnvelope(decoding: Array(envelope.encoded.utf8)))
        #expect(decoded == envelope)
    }

    @Test("a push without a message carries no message id")
    func noMessage() throws {
        let envelope = GatewayEnvelope(users: [7], frame: PushFrame(line: "KICKED reason=x", messageID: nil))
        #expect(GatewayEnvelope(decoding: Array(envelope.encoded.utf8)) == envelope)
    }

    @Test("malformed payloads are refused, not guessed at")
    func malformed() {
        for payload in ["", "deliver 1 2", "deliver  2\nMSG", "deliver a,b 2\nMSG", "send 1 2\nMSG", "deliver 1 -2\nMSG",
                        "deliver 1,,2 3\nMSG"] {
            #expect(GatewayEnvelope(decoding: Array(payload.utf8)) == nil, "\(payload)")
        }
        #expect(GatewayEnvelope(decoding: [0x64, 0xFF, 0x0A, 0x41]) == nil)
    }
}
