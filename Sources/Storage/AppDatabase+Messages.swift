import GRDB
import MPIMCore

/// A message to store: who sends what to whom (a user or a group).
public struct OutgoingMessage: Sendable, Equatable {
    public var sender: UserID
    public var conversation: Conversation
    public var text: String

    public init(sender: UserID, conversation: Conversation, text: String) {
        self.sender = sender
        self.conversation = conversation
        self.text = text
    }

    public init(sender: UserID, recipient: UserID, text: String) {
        self.init(sender: sender, conversation: .direct(recipient), text: text)
    }
}

/// A committed message and the users it was queued for.
public struct StoredMessage: Sendable, Equatable {
    public var message: ChatMessage
    /// The recipient of a 1:1 message; a group's members other than the sender.
    public var recipients: [UserID]
}

extension AppDatabase {
    /// Stores messages in one transaction, each with an inbox row per
    /// recipient (for a group: every member but the sender, at this moment),
    /// and returns them with ids and timestamps. When this returns, the
    /// messages are committed.
    public func storeMessages(_ batch: [OutgoingMessage]) async throws -> [StoredMessage] {
        try await writer.write { db in
            let now = UnixMillis.now()
            let addToInbox = try db.cachedStatement(sql: "INSERT INTO inbox (userID, messageID) VALUES (?, ?)")
            return try batch.map { outgoing in
                var record = MessageRecord(
                    id: nil, senderID: outgoing.sender, recipientID: nil, groupID: nil,
                    text: outgoing.text, createdAt: now)
                let recipients: [UserID]
                switch outgoing.conversation {
                case .direct(let recipient):
                    record.recipientID = recipient
                    recipients = [recipient]
                case .group(let group):
                    record.groupID = group
                    recipients = try UserID.fetchAll(
                        db, sql: "SELECT userID FROM groupMember WHERE groupID = ? AND userID != ? ORDER BY userID",
                        arguments: [group, outgoing.sender])
                }
                try record.insert(db)
                let message = record.chatMessage
                for recipient in recipients {
                    try addToInbox.execute(arguments: [recipient, message.id])
                }
                return StoredMessage(message: message, recipients: recipients)
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

    /// Takes up to `limit` of the user's undelivered messages (1:1 and
    /// group), oldest first, and removes them from the inbox in the same
    /// transaction.
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
        let sender = MessageRecord.Columns.senderID
        let recipient = MessageRecord.Columns.recipientID
        return try await page(
            MessageRecord.filter((sender == user && recipient == peer) || (sender == peer && recipient == user)),
            before: before, limit: limit)
    }

    /// A group's messages: the `limit` latest with an id below `before` (if given), oldest first.
    public func groupConversation(_ group: GroupID, before: MessageID?, limit: Int) async throws -> [ChatMessage] {
        try await page(MessageRecord.filter(MessageRecord.Columns.groupID == group), before: before, limit: limit)
    }

    private func page(_ request: QueryInterfaceRequest<MessageRecord>, before: MessageID?, limit: Int)
        async throws -> [ChatMessage]
    {
        try await writer.read { db in
            var request = request
            if let before {
                request = request.filter(MessageRecord.Columns.id < before)
            }
            let newestFirst = try request.order(MessageRecord.Columns.id.desc).limit(limit).fetchAll(db)
            return newestFirst.reversed().map(\.chatMessage)
        }
    }
}
