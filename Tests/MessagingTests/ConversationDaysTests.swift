import Foundation
import GRDB
import MPIMCore
import Testing
import Messaging
@testable import MessagingSQLite
import Storage

/// A 1:1 message stored on a chosen day, as the writer would store it then.
private struct DatedMessage {
    var sender: UserID
    var recipient: UserID
    var day: Int64
}

extension SQLiteMessageStore {
    /// Stores the messages in one transaction each, at noon of their day, and
    /// returns their ids.
    fileprivate func store(_ messages: [DatedMessage]) async throws -> [MessageID] {
        try await writer.write { db in
            var ids: [MessageID] = []
            for message in messages {
                var days = ConversationDays.Recorder()
                let createdAt = message.day * ConversationDays.millisecondsPerDay + 43_200_000
                ids.append(try insertRawMessage(message, createdAt: createdAt, db))
                try days.record(ids.last!, from: message.sender, to: message.recipient, at: createdAt, db)
            }
            return ids
        }
    }
}

private func insertRawMessage(_ message: DatedMessage, createdAt: UnixMillis, _ db: Database) throws -> MessageID {
    try db.execute(
        sql: "INSERT INTO message (senderID, recipientID, text, createdAt) VALUES (?, ?, ?, ?)",
        arguments: [message.sender, message.recipient, "\(message.sender)>\(message.recipient)@\(message.day)", createdAt])
    return db.lastInsertedRowID
}

/// What HISTORY must answer, by reading every message.
private func expectedConversation(
    _ all: [(id: MessageID, message: DatedMessage)], _ user: UserID, _ peer: UserID, before: MessageID?, limit: Int
) -> [MessageID] {
    let between = all.filter {
        ($0.message.sender == user && $0.message.recipient == peer)
            || ($0.message.sender == peer && $0.message.recipient == user)
    }
    return Array(between.map(\.id).filter { $0 < (before ?? .max) }.suffix(limit))
}

@Suite("ConversationDays")
struct ConversationDaysTests {
    @Test("HISTORY across days, both directions, with before and limit, matches reading every message")
    func acrossDays() async throws {
        let (db, _) = try temporaryStore()
        var generator = SystemRandomNumberGenerator()
        var day: Int64 = 20_000
        var all: [(id: MessageID, message: DatedMessage)] = []
        for _ in 0..<300 {
            // Mostly the same day, sometimes the next ones, now and then a clock gone back.
            switch Int.random(in: 0..<20, using: &generator) {
            case 0: day += Int64.random(in: 1...3, using: &generator)
            case 1: day -= 1
            default: break
            }
            let sender = UserID.random(in: 1...4, using: &generator)
            let message = DatedMessage(sender: sender, recipient: UserID.random(in: 1...4, using: &generator), day: day)
            all.append((try await db.store([message])[0], message))
        }
        let ids = all.map(\.id)
        for user in UserID(1)...4 {
            for peer in UserID(1)...4 {
                for before in [nil, ids[100], ids[250], ids.last! + 1] {
                    for limit in [1, 7, 500] {
                        let history = try await db.conversation(between: user, and: peer, before: before, limit: limit)
                        #expect(history.map(\.id) == expectedConversation(all, user, peer, before: before, limit: limit),
                                "\(user) and \(peer), before \(String(describing: before)), limit \(limit)")
                    }
                }
            }
        }
    }

    @Test("a clock gone back stays on the newest day; a new day starts at its first message")
    func daysRiseWithIDs() async throws {
        let (db, _) = try temporaryStore()
        let ids = try await db.store([
            DatedMessage(sender: 1, recipient: 2, day: 10),
            DatedMessage(sender: 2, recipient: 1, day: 12),
            DatedMessage(sender: 1, recipient: 2, day: 11),
            DatedMessage(sender: 1, recipient: 2, day: 13),
        ])
        let days = try await db.writer.read { db in
            try Row.fetchAll(db, sql: "SELECT day, firstMessageID FROM conversationDay ORDER BY day")
                .map { [$0[0], $0[1]] as [Int64] }
        }
        #expect(days == [[10, 0], [12, ids[1]], [13, ids[3]]])
        let pairs = try await db.writer.read { try Int64.fetchAll($0, sql: "SELECT day FROM conversationPair ORDER BY day") }
        #expect(pairs == [10, 12, 13])
        #expect(try await db.conversation(between: 2, and: 1, before: nil, limit: 10).map(\.id) == ids)
    }
}
