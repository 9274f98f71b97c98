import Foundation
import GRDB
import MPIMCore
import Testing
import Messaging
@testable import MessagingSQLite
import Storage
import TestSupport

/// A store of `backend` with a group of 1, 2 and 3.
private func databaseWithGroup(_ backend: StoreBackend) async throws -> (any MessageStore, GroupID) {
    let (db, _) = try await temporaryStore(backend)
    return (db, try await db.startGroup(members: [1, 2, 3]))
}

extension MessageStore {
    /// Stores `count` group messages from `sender` and returns their ids.
    fileprivate func groupMessages(_ count: Int, from sender: UserID, in group: GroupID) async throws -> [MessageID] {
        try await storedMessages((0..<count).map {
            OutgoingMessage(sender: sender, conversation: .group(group), text: "g\($0)")
        }).map(\.message.id)
    }

    /// Records that `messages` of `group` reached a session of `user`.
    fileprivate func pushed(_ messages: some Sequence<MessageID>, of group: GroupID, to user: UserID,
                            state: MailboxState = .delivered) async throws {
        try await record(messages.map { MailboxReceipt(user: user, message: $0, state: state, group: group) })
    }
}

@Suite("Delivery cursors")
struct DeliveryCursorsTests {
    @Test("SQLite: a message is stored once: no mailbox row per recipient, 1:1 or group")
    func storedOnce() async throws {
        let (db, _) = try temporaryStore()
        let group = try await db.startGroup(members: [1, 2, 3])
        _ = try await db.groupMessages(3, from: 1, in: group)
        _ = try await db.storedMessages([OutgoingMessage(sender: 1, recipient: 2, text: "d")])
        let rows = try await db.writer.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM mailbox") }
        #expect(rows == 0)
    }

    @Test("PULL owes a member exactly what reached none of their sessions", arguments: StoreBackend.allCases)
    func owedWhatWasMissed(_ backend: StoreBackend) async throws {
        let (db, group) = try await databaseWithGroup(backend)
        let ids = try await db.groupMessages(5, from: 1, in: group)
        // Member 2 was online for the first two and the last two; member 3 never.
        try await db.pushed(ids[0...1], of: group, to: 2)
        try await db.pushed(ids[3...4], of: group, to: 2)
        #expect(try await db.takeInbox(of: 2, limit: 10).map(\.id) == [ids[2]])
        #expect(try await db.takeInbox(of: 2, limit: 10).isEmpty, "taken once")
        #expect(try await db.takeInbox(of: 3, limit: 10).map(\.id) == ids)
        #expect(try await db.takeInbox(of: 1, limit: 10).isEmpty, "a sender is never owed its own messages")
    }

    @Test("1:1: PULL owes what reached no session, whatever order the receipts came in; a message to oneself is owed too",
          arguments: StoreBackend.allCases)
    func direct(_ backend: StoreBackend) async throws {
        let (db, _) = try await databaseWithGroup(backend)
        let ids = try await db.storedMessages([
            OutgoingMessage(sender: 1, recipient: 2, text: "a"),
            OutgoingMessage(sender: 3, recipient: 2, text: "b"),
            OutgoingMessage(sender: 1, recipient: 3, text: "not for 2"),
            OutgoingMessage(sender: 2, recipient: 2, text: "to myself"),
            OutgoingMessage(sender: 1, recipient: 2, text: "c"),
        ]).map(\.message.id)
        try await db.record([MailboxReceipt(user: 2, message: ids[4], state: .delivered)])
        try await db.record([MailboxReceipt(user: 2, message: ids[0], state: .delivered)])
        #expect(try await db.takeInbox(of: 2, limit: 10).map(\.id) == [ids[1], ids[3]])
        #expect(try await db.takeInbox(of: 3, limit: 10).map(\.id) == [ids[2]])
        #expect(try await db.acknowledge([ids[0], ids[2]], of: 2) == 1, "only messages addressed to the user count")
        #expect(try await db.mailbox(of: 2, after: 0, limit: 10).map(\.id) == [ids[0], ids[1], ids[3], ids[4]])
    }

    @Test("receipts in separate batches, out of order: a late one takes its message out of a missed range", arguments: StoreBackend.allCases)
    func lateReceipt(_ backend: StoreBackend) async throws {
        let (db, group) = try await databaseWithGroup(backend)
        let ids = try await db.groupMessages(4, from: 1, in: group)
        try await db.pushed([ids[3]], of: group, to: 2)
        try await db.pushed([ids[1]], of: group, to: 2)
        #expect(try await db.takeInbox(of: 2, limit: 10).map(\.id) == [ids[0], ids[2]])
    }

    @Test("a member whose cursor is far behind the batch still gets exactly what they missed", arguments: StoreBackend.allCases)
    func farBehind(_ backend: StoreBackend) async throws {
        let (db, group) = try await databaseWithGroup(backend)
        let first = try await db.groupMessages(2, from: 1, in: group)
        try await db.pushed([first[0]], of: group, to: 2)
        // More than `spanReach` ids between the missed message and the next push.
        _ = try await db.storedMessages((0...DeliveryCursors.spanReach).map {
            OutgoingMessage(sender: 4, recipient: 3, text: "filler \($0)")
        })
        let later = try await db.groupMessages(1, from: 1, in: group)
        try await db.pushed(later, of: group, to: 2)
        #expect(try await db.takeInbox(of: 2, limit: 10).map(\.id) == [first[1]])
    }

    @Test("PULL in chunks takes 1:1 and group messages together in id order, each once", arguments: StoreBackend.allCases)
    func chunks(_ backend: StoreBackend) async throws {
        let (db, group) = try await databaseWithGroup(backend)
        var expected: [MessageID] = []
        for round in 0..<3 {
            expected += try await db.storedMessages([OutgoingMessage(sender: 4, recipient: 2, text: "d\(round)")]).map(\.message.id)
            expected += try await db.groupMessages(2, from: 3, in: group)
        }
        try await db.pushed([expected[1]], of: group, to: 2)
        expected.remove(at: 1)
        var pulled: [MessageID] = []
        while case let chunk = try await db.takeInbox(of: 2, limit: 2), !chunk.isEmpty {
            #expect(chunk.count <= 2)
            pulled += chunk.map(\.id)
        }
        #expect(pulled == expected)
    }

    @Test("the member's own messages between two pushes are not a missed range", arguments: StoreBackend.allCases)
    func ownMessagesAreNotMissed(_ backend: StoreBackend) async throws {
        let (db, group) = try await databaseWithGroup(backend)
        let first = try await db.groupMessages(1, from: 1, in: group)
        let own = try await db.groupMessages(2, from: 2, in: group)
        let last = try await db.groupMessages(1, from: 3, in: group)
        try await db.pushed(first + last, of: group, to: 2)
        #expect(try await db.takeInbox(of: 2, limit: 10).isEmpty)
        if let sqlite = db as? SQLiteMessageStore {
            let backlog = try await sqlite.writer.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM deliveryBacklog") }
            #expect(backlog == 0)
        }
        #expect(try await db.takeInbox(of: 3, limit: 10).map(\.id) == first + own)
    }

    @Test("ack mode: a group message awaits its ack like a 1:1 message, and ACK counts group messages", arguments: StoreBackend.allCases)
    func ackMode(_ backend: StoreBackend) async throws {
        let (db, group) = try await databaseWithGroup(backend)
        let ids = try await db.groupMessages(3, from: 1, in: group)
        try await db.pushed(ids[0...1], of: group, to: 2, state: .awaitingAck)
        // A second, ordinary session of the same user also got the second one.
        try await db.pushed([ids[1]], of: group, to: 2)
        #expect(try await db.awaitingAck(of: 2, limit: 10).map(\.id) == [ids[0]])
        #expect(try await db.acknowledge([ids[0], ids[1], 999_999], of: 2) == 2)
        #expect(try await db.awaitingAck(of: 2, limit: 10).isEmpty)
        #expect(try await db.takeInbox(of: 2, limit: 10).map(\.id) == [ids[2]])
        #expect(try await db.acknowledge([ids[0]], of: 1) == 0, "a sender's own message is not addressed to it")
        #expect(try await db.acknowledge([ids[0]], of: 4) == 0, "nor to someone outside the group")
    }

    @Test("ACK of a group message never pushed counts it delivered", arguments: StoreBackend.allCases)
    func ackOfOwed(_ backend: StoreBackend) async throws {
        let (db, group) = try await databaseWithGroup(backend)
        let ids = try await db.groupMessages(3, from: 1, in: group)
        #expect(try await db.acknowledge([ids[1]], of: 3) == 1)
        #expect(try await db.takeInbox(of: 3, limit: 10).map(\.id) == [ids[0], ids[2]])
    }

    @Test("leaving keeps what was owed for PULL and the time in the group for SYNC; rejoining starts after the newest", arguments: StoreBackend.allCases)
    func leaveAndRejoin(_ backend: StoreBackend) async throws {
        let (db, group) = try await databaseWithGroup(backend)
        let before = try await db.groupMessages(2, from: 1, in: group)
        try await db.pushed([before[0]], of: group, to: 3)
        try await db.endMembership(of: 3, in: group)
        let whileAway = try await db.groupMessages(1, from: 1, in: group)
        try await db.startMembership(of: 3, in: group)
        let after = try await db.groupMessages(1, from: 2, in: group)
        #expect(try await db.takeInbox(of: 3, limit: 10).map(\.id) == [before[1], after[0]])
        #expect(try await db.mailbox(of: 3, after: 0, limit: 10).map(\.id) == before + after)
        #expect(try await db.mailbox(of: 3, after: before[0], limit: 1).map(\.id) == [before[1]])
        #expect(!(try await db.mailbox(of: 3, after: 0, limit: 10).map(\.id)).contains(whileAway[0]))
        #expect(try await db.mailbox(of: 4, after: 0, limit: 10).isEmpty)
    }

    @Test("SYNC merges 1:1 and group messages in id order, without repeats", arguments: StoreBackend.allCases)
    func sync(_ backend: StoreBackend) async throws {
        let (db, group) = try await databaseWithGroup(backend)
        let g = try await db.groupMessages(2, from: 1, in: group)
        let d = try await db.storedMessages([OutgoingMessage(sender: 1, recipient: 2, text: "d")]).map(\.message.id)
        let g2 = try await db.groupMessages(1, from: 3, in: group)
        try await db.pushed(g, of: group, to: 2, state: .awaitingAck)
        #expect(try await db.mailbox(of: 2, after: 0, limit: 10).map(\.id) == g + d + g2)
        #expect(try await db.mailbox(of: 2, after: 0, limit: 2).map(\.id) == g)
    }

    @Test("a member's own group message pushed to their other session in ack mode awaits the ack, and ACK clears it", arguments: StoreBackend.allCases)
    func ackOfOwnGroupMessage(_ backend: StoreBackend) async throws {
        let (db, group) = try await databaseWithGroup(backend)
        let own = try await db.groupMessages(1, from: 2, in: group)
        try await db.pushed(own, of: group, to: 2, state: .awaitingAck)
        #expect(try await db.awaitingAck(of: 2, limit: 10).map(\.id) == own)
        #expect(try await db.acknowledge(own, of: 2) == 1)
        #expect(try await db.awaitingAck(of: 2, limit: 10).isEmpty)
        #expect(try await db.takeInbox(of: 2, limit: 10).isEmpty)
        #expect(try await db.mailbox(of: 2, after: 0, limit: 10).isEmpty, "SYNC: not addressed to its sender")
    }
}
