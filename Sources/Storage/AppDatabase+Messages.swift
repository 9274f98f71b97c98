import GRDB
import MPIMCore

/// A message to store: who sends what to whom.
public struct OutgoingMessage: Sendable, Equatable {
    public var sender: UserID
    public var recipient: UserID
    public var text: String

    public init(sender: UserID, recipient: UserID, text: String) {
        self.sender = sender
        self.recipient = recipient
        self.text = text
    }
}

extension AppDatabase {
    /// Stores messages in one transaction, each with an inbox row for its
    /// recipient, and returns them with their ids and timestamps. When this
    /// returns, the messages are committed.
    public func storeMessages(_ batch: [OutgoingMessage]) async throws -> [ChatMessage] {
        try await writer.write { db in
            let now = UnixMillis.now()
            return try batch.map { outgoing in
                var record = MessageRecord(
                    id: nil, senderID: outgoing.sender, recipientID: outgoing.recipient, groupID: nil,
                    text: outgoing.text, createdAt: now)
                try record.insert(db)
                let message = record.chatMessage
                try InboxRecord(userID: outgoing.recipient, messageID: message.id).insert(db)
                return message
            }
        }
    }

    /// Removes the inbox rows of messages that were pushed to a session.
    public func removeFromInbox(_ entries: [(user: UserID, message: MessageID)]) async throws {
        guard !entries.isEmpty else { return }
        try await writer.write { db in
            let statement = try db.cachedStatement(sql: "DELETE FROM inbox WHERE userID = ? AND messageID = ?")
            for entry in entries {
                try statement.execute(arguments: [entry.user, entry.message])
            }
        }
    }

    /// Takes up to `limit` of the user's undelivered messages, oldest first,
    /// and removes them from the inbox in the same transaction.
    public func takeInbox(of user: UserID, limit: Int) async throws -> [ChatMessage] {
        try await writer.write { db in
            let records = try MessageRecord.fetchAll(
                db,
                sql: """
                    SELECT message.* FROM inbox JOIN message ON message.id = inbox.messageID
                    WHERE inbox.userID = ? ORDER BY inbox.messageID LIMIT ?
                    """,
                arguments: [user, limit])
            guard let last = records.last?.id else { return [] }
            try db.execute(
                sql: "DELETE FROM inbox WHERE userID = ? AND messageID <= ?",
                arguments: [user, last])
            return records.map(\.chatMessage)
        }
    }

    /// The conversation between two users in both directions: the `limit`
    /// latest messages with an id below `before` (if given), oldest first.
    public func conversation(
        between user: UserID, and peer: UserID, before: MessageID?, limit: Int
    ) async throws -> [ChatMessage] {
        try await writer.read { db in
            let sender = MessageRecord.Columns.senderID
            let recipient = MessageRecord.Columns.recipientID
            var request = MessageRecord.filter(
                (sender == user && recipient == peer) || (sender == peer && recipient == user))
            if let before {
                request = request.filter(MessageRecord.Columns.id < before)
            }
            let newestFirst = try request.order(MessageRecord.Columns.id.desc).limit(limit).fetchAll(db)
            return newestFirst.reversed().map(\.chatMessage)
        }
    }
}
