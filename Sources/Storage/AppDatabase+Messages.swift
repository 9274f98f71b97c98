import GRDB
import MPIMCore

/// A message to store: who sends what to whom (a user or a group), and the
/// client's own id for it when the client gave one (`@cid=`).
public struct OutgoingMessage: Sendable, Equatable {
    public var sender: UserID
    public var conversation: Conversation
    public var text: String
    public var clientID: String?

    public init(sender: UserID, conversation: Conversation, text: String, clientID: String? = nil) {
        self.sender = sender
        self.conversation = conversation
        self.text = text
        self.clientID = clientID
    }

    public init(sender: UserID, recipient: UserID, text: String, clientID: String? = nil) {
        self.init(sender: sender, conversation: .direct(recipient), text: text, clientID: clientID)
    }
}

/// A committed message and the users it was queued for.
public struct StoredMessage: Sendable, Equatable {
    public var message: ChatMessage
    /// The recipient of a 1:1 message; a group's members other than the sender.
    public var recipients: [UserID]
    /// True when the client id was seen before: `message` is the original,
    /// nothing new was stored, and nothing should be pushed.
    public var isRepeat: Bool
}

/// A push that reached a session: the message is delivered to the user
/// (`state`: delivered, or awaiting an ack); it moves the user's cursor on
/// the message's stream (`DeliveryCursors`).
public struct MailboxReceipt: Sendable, Equatable {
    public var user: UserID
    public var message: MessageID
    public var state: MailboxState
    /// The message's group; nil for a 1:1 message.
    public var group: GroupID?

    public init(user: UserID, message: MessageID, state: MailboxState, group: GroupID? = nil) {
        self.user = user
        self.message = message
        self.state = state
        self.group = group
    }
}

extension AppDatabase {
    /// Stores messages in one transaction, each once (the recipients'
    /// delivery cursors say what they are owed), and returns them with ids,
    /// timestamps and recipients (for a group: every member but the sender,
    /// at this moment); in the same transaction records `receipts`.
    ///
    /// Each message is checked on its own: a 1:1 message to a user that does
    /// not exist fails with `.noSuchUser`; a group message with `.noSuchGroup`,
    /// or `.notMember` when the sender is not in the group. A message whose
    /// client id the sender used before is not stored again: the original is
    /// returned. When this returns, the stored messages are committed.
    public func storeMessages(_ batch: [OutgoingMessage], receipts: [MailboxReceipt] = [])
        async throws -> [Result<StoredMessage, MPIMError>]
    {
        try await writer.write { try Self.store(batch, receipts: receipts, in: $0) }
    }

    /// `storeMessages` on the calling thread, which it blocks until the
    /// transaction commits: only for a dedicated writer thread, never for
    /// Swift concurrency or an event loop.
    public func storeMessagesBlocking(_ batch: [OutgoingMessage], receipts: [MailboxReceipt] = [])
        throws -> [Result<StoredMessage, MPIMError>]
    {
        try writer.writeWithoutTransaction { db in
            try db.inCachedTransaction { try Self.store(batch, receipts: receipts, in: db) }
        }
    }

    private static func store(_ batch: [OutgoingMessage], receipts: [MailboxReceipt], in db: Database)
        throws -> [Result<StoredMessage, MPIMError>]
    {
        let now = UnixMillis.now()
        let insertMessage = try db.cachedStatement(
            sql: "INSERT INTO message (senderID, recipientID, groupID, text, createdAt) VALUES (?, ?, ?, ?, ?)")
        // A busy group sends several messages per batch: its members are read
        // once; so is a user that receives several.
        var members: [GroupID: [UserID]] = [:]
        var users: Set<UserID> = []
        var days = ConversationDays.Recorder()
        let outcomes = try batch.map { outgoing -> Result<StoredMessage, MPIMError> in
            if let clientID = outgoing.clientID,
               let original = try Self.message(sentBy: outgoing.sender, clientID: clientID, in: db) {
                return .success(StoredMessage(message: original, recipients: [], isRepeat: true))
            }
            var record = MessageRecord(
                id: nil, senderID: outgoing.sender, recipientID: nil, groupID: nil,
                text: outgoing.text, createdAt: now)
            let recipients: [UserID]
            switch try Self.recipients(of: outgoing, members: &members, users: &users, in: db) {
            case .failure(let refusal): return .failure(refusal)
            case .success(let users): recipients = users
            }
            switch outgoing.conversation {
            case .direct(let recipient): record.recipientID = recipient
            case .group(let group): record.groupID = group
            }
            // A prepared statement, not the record's Codable insert: this
            // runs for every message and the encoder cost shows in profiles.
            try insertMessage.execute(
                .integer(record.senderID), record.recipientID.map { .integer($0) } ?? .null,
                record.groupID.map { .integer($0) } ?? .null, .text(record.text), .integer(record.createdAt), in: db)
            record.id = db.lastInsertedRowID
            let message = record.chatMessage
            if let recipient = record.recipientID {
                try days.record(message.id, from: record.senderID, to: recipient, at: now, db)
            }
            if let clientID = outgoing.clientID {
                try db.execute(
                    sql: "INSERT INTO clientMessage (senderID, clientID, messageID, createdAt) VALUES (?, ?, ?, ?)",
                    arguments: [outgoing.sender, clientID, message.id, now])
            }
            return .success(StoredMessage(message: message, recipients: recipients, isRepeat: false))
        }
        try Self.record(receipts, in: db)
        return outcomes
    }

    /// Who a message is queued for, or why it is refused.
    private static func recipients(
        of outgoing: OutgoingMessage, members known: inout [GroupID: [UserID]], users: inout Set<UserID>, in db: Database
    ) throws -> Result<[UserID], MPIMError> {
        switch outgoing.conversation {
        case .direct(let recipient):
            if !users.contains(recipient) {
                let exists = try db.cachedStatement(sql: "SELECT 1 FROM user WHERE id = ?")
                guard try exists.firstInteger(recipient, in: db) != nil else { return .failure(.noSuchUser) }
                users.insert(recipient)
            }
            return .success([recipient])
        case .group(let group):
            let members = try known[group] ?? UserID.fetchAll(
                db.cachedStatement(sql: "SELECT userID FROM groupMember WHERE groupID = ? ORDER BY userID"),
                arguments: [group])
            known[group] = members
            guard members.contains(outgoing.sender) else {
                let exists = try db.cachedStatement(sql: "SELECT 1 FROM chatGroup WHERE id = ?")
                return .failure(try Bool.fetchOne(exists, arguments: [group]) == nil ? .noSuchGroup : .notMember)
            }
            return .success(members.filter { $0 != outgoing.sender })
        }
    }

    /// Records deliveries: they move their users' cursors (`DeliveryCursors`).
    private static func record(_ receipts: [MailboxReceipt], in db: Database) throws {
        guard !receipts.isEmpty else { return }
        try DeliveryCursors.record(receipts, db)
    }

    private static func message(sentBy sender: UserID, clientID: String, in db: Database) throws -> ChatMessage? {
        try MessageRecord.fetchOne(
            db,
            sql: """
                SELECT message.* FROM clientMessage JOIN message ON message.id = clientMessage.messageID
                WHERE clientMessage.senderID = ? AND clientMessage.clientID = ?
                """,
            arguments: [sender, clientID])?.chatMessage
    }

    /// Forgets client ids older than `before` (they are kept at least 24 h).
    public func forgetClientIDs(before: UnixMillis) async throws -> Int {
        try await writer.write { db in
            try db.execute(sql: "DELETE FROM clientMessage WHERE createdAt < ?", arguments: [before])
            return db.changesCount
        }
    }

    /// Records deliveries outside a message batch (the writer queues them with its batches).
    public func record(_ receipts: [MailboxReceipt]) async throws {
        try await writer.write { try Self.record(receipts, in: $0) }
    }

    /// Acknowledges messages for a user: they count as delivered. Returns
    /// how many of the ids are messages addressed to that user, or pushed to
    /// one of their sessions in ack mode: a group message is also pushed to
    /// its sender's other sessions, though it is not addressed to the sender.
    public func acknowledge(_ messages: [MessageID], of user: UserID) async throws -> Int {
        try await writer.write { db in
            let ids = Array(Set(messages))
            let placeholders = databaseQuestionMarks(count: ids.count)
            let pushedForAck = try Set(MessageID.fetchAll(
                db, sql: "SELECT messageID FROM mailbox WHERE userID = ? AND messageID IN (\(placeholders))",
                arguments: StatementArguments([user] + ids)))
            let stretches = try DeliveryCursors.addressedStretches(to: user, db)
            let receipts = try Row.fetchAll(
                db, sql: "SELECT id, recipientID, groupID, senderID FROM message WHERE id IN (\(placeholders))",
                arguments: StatementArguments(ids)
            ).compactMap { row -> MailboxReceipt? in
                let id: MessageID = row[0]
                let group: GroupID? = row[2]
                guard pushedForAck.contains(id)
                    || Self.isAddressed(id, in: group, recipient: row[1], sender: row[3], to: user, stretches)
                else { return nil }
                return MailboxReceipt(user: user, message: id, state: .delivered, group: group)
            }
            try Self.record(receipts, in: db)
            return receipts.count
        }
    }

    /// Whether a message lies in one of the stretches addressed to the user
    /// (`DeliveryCursors.addressedStretches`).
    private static func isAddressed(
        _ id: MessageID, in group: GroupID?, recipient: UserID?, sender: UserID, to user: UserID,
        _ stretches: [DeliveryCursors.Stretch]
    ) -> Bool {
        let stream: DeliveryStream
        if let group {
            stream = .group(group)
        } else if recipient == user {
            stream = .direct(user)
        } else {
            return false
        }
        return stream.owes(from: sender, to: user)
            && stretches.contains { $0.stream == stream && id > $0.after && id <= ($0.through ?? .max) }
    }

    /// Takes up to `limit` of the messages PULL owes the user (past their
    /// delivery cursors, in their backlog ranges, or awaiting an ack; 1:1 and
    /// group), oldest first, and marks them delivered in the same transaction.
    public func takeInbox(of user: UserID, limit: Int) async throws -> [ChatMessage] {
        try await writer.write { db in
            let fromMailbox = try MessageRecord.fetchAll(
                db,
                sql: """
                    SELECT message.* FROM mailbox JOIN message ON message.id = mailbox.messageID
                    WHERE mailbox.userID = ? AND mailbox.state < \(MailboxState.delivered.rawValue)
                    ORDER BY mailbox.messageID LIMIT ?
                    """,
                arguments: [user, limit])
            let fromCursors = try DeliveryCursors.messages(
                in: DeliveryCursors.owedStretches(to: user, db), to: user, after: 0, limit: limit, db)
            let records = (fromMailbox + fromCursors).oldestFirst(limit: limit)
            // Every owed message up to the last one returned was returned.
            guard let last = records.last?.id else { return [] }
            try db.execute(
                sql: """
                    UPDATE mailbox SET state = \(MailboxState.delivered.rawValue)
                    WHERE userID = ? AND messageID <= ? AND state < \(MailboxState.delivered.rawValue)
                    """,
                arguments: [user, last])
            try DeliveryCursors.markTaken(by: user, through: last, db)
            return records.map(\.chatMessage)
        }
    }

    /// Messages pushed to an ack-mode session of the user and never
    /// acknowledged, oldest first (they are pushed again at login).
    public func awaitingAck(of user: UserID, limit: Int) async throws -> [ChatMessage] {
        try await writer.read { db in
            try MessageRecord.fetchAll(
                db,
                sql: """
                    SELECT message.* FROM mailbox JOIN message ON message.id = mailbox.messageID
                    WHERE mailbox.userID = ? AND mailbox.state = \(MailboxState.awaitingAck.rawValue)
                    ORDER BY mailbox.messageID LIMIT ?
                    """,
                arguments: [user, limit]).map(\.chatMessage)
        }
    }

    /// Every message addressed to the user with an id above `after`, oldest
    /// first, whatever its delivery state (SYNC: each device keeps its own cursor).
    public func mailbox(of user: UserID, after: MessageID, limit: Int) async throws -> [ChatMessage] {
        try await writer.read { db in
            try DeliveryCursors.messages(
                in: DeliveryCursors.addressedStretches(to: user, db), to: user, after: after, limit: limit, db
            ).map(\.chatMessage)
        }
    }

    /// The conversation between two users in both directions: the `limit`
    /// latest messages with an id below `before` (if given), oldest first.
    public func conversation(
        between user: UserID, and peer: UserID, before: MessageID?, limit: Int
    ) async throws -> [ChatMessage] {
        try await writer.read { db in
            try ConversationDays.messages(between: user, and: peer, before: before, limit: limit, db)
                .reversed().map(\.chatMessage)
        }
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
