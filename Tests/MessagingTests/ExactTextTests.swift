import MPIMCore
import Testing
import Messaging
@testable import MessagingSQLite
import Storage
import TestSupport

/// Texts a client may send: every control character but the newline (NUL
/// first, mid-text and last), DEL, and multi-byte UTF-8 with combining marks.
let textsKeptExactly: [String] = [
    "\0",
    "nul \0 char",
    "c" + String(decoding: (0x00...0x1F).filter { $0 != 0x0A } + [0x7F], as: UTF8.self) + "\0",
    "\u{301}e\u{301} 世界 \u{1F44D}\u{1F3FD} \u{200D}\0\u{FEFF}",
]

@Suite("Message text is stored byte for byte")
struct ExactTextTests {
    /// The bytes of each text (String's == is canonical equivalence, not byte equality).
    private func bytes(_ texts: [String]) -> [[UInt8]] {
        texts.map { Array($0.utf8) }
    }

    @Test("PULL, SYNC, HISTORY, GHISTORY, ack-mode re-pushes and a repeated cid read back every byte",
          arguments: StoreBackend.allCases)
    func everyRead(_ backend: StoreBackend) async throws {
        let (db, _) = try await temporaryStore(backend)
        let group = try await db.startGroup(members: [1, 2])
        let direct = try await db.storedMessages(textsKeptExactly.enumerated().map {
            OutgoingMessage(sender: 1, recipient: 2, text: $1, clientID: "c\($0)")
        })
        let grouped = try await db.storedMessages(textsKeptExactly.map {
            OutgoingMessage(sender: 1, conversation: .group(group), text: $0)
        })
        let expected = bytes(textsKeptExactly)
        #expect(bytes(direct.map(\.message.text)) == expected, "what the store returns for the push")

        #expect(bytes(try await db.mailbox(of: 2, after: 0, limit: 100).map(\.text)) == expected + expected, "SYNC")
        #expect(bytes(try await db.conversation(between: 2, and: 1, before: nil, limit: 100).map(\.text)) == expected,
                "HISTORY")
        #expect(bytes(try await db.groupConversation(group, before: nil, limit: 100).map(\.text)) == expected,
                "GHISTORY")
        let repeated = try await db.storedMessages([OutgoingMessage(sender: 1, recipient: 2, text: "x", clientID: "c2")])
        #expect(repeated[0].isRepeat && Array(repeated[0].message.text.utf8) == expected[2], "a repeated cid")

        try await db.record(grouped.map {
            MailboxReceipt(user: 2, message: $0.message.id, state: .awaitingAck, group: group)
        })
        #expect(bytes(try await db.awaitingAck(of: 2, limit: 100).map(\.text)) == expected, "ack-mode re-push")
        #expect(bytes(try await db.takeInbox(of: 2, limit: 100).map(\.text)) == expected + expected, "PULL")
    }
}
