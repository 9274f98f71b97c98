import GRDB
import Logging
import MPIMCore
import Messaging
import Storage

/// Messages and what each user is owed, in the SQLite file.
public struct SQLiteMessageStore: MessageStore {
    private let database: AppDatabase
    private let logger: Logger

    public init(database: AppDatabase, logger: Logger) {
        self.database = database
        self.logger = logger
    }

    var writer: any DatabaseWriter { database.writer }

    public func store(_ batch: [OutgoingMessage], receipts: [MailboxReceipt]) throws
        -> [Result<StoredMessage, MPIMError>]
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
        // A busy group sends several messages per batch: its members are read once.
        var members: [GroupID: [UserID]] = [:]
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
            switch try Self.recipients(of: outgoing, members: &members, in: db) {
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

    /// Who a message is queued for, or why it is refused. The service
    /// checked beforehand that a 1:1 recipient and a group exist; a group's
    /// members are its cursors' users (`startMembership`).
    private static func recipients(
        of outgoing: OutgoingMessage, members known: inout [GroupID: [UserID]], in db: Database
    ) throws -> Result<[UserID], MPIMError> {
        switch outgoing.conversation {
        case .direct(let recipient):
            return .success([recipient])
        case .group(let group):
            let members = try known[group] ?? UserID.fetchAll(
                db.cachedStatement(sql: "SELECT userID FROM groupCursor WHERE groupID = ? ORDER BY userID"),
                arguments: [group])
            known[group] = members
            guard members.contains(outgoing.sender) else { return .failure(.notMember) }
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
                SELECT \(MessageRecord.selection) FROM clientMessage JOIN message ON message.id = clientMessage.messageID
                WHERE clientMessage.senderID = ? AND clientMessage.clientID = ?
                """,
            arguments: [sender, clientID])?.chatMessage
    }

    /// Forgets client ids older than `before` (they are kept at least 24 h).
    public func forgetClientIDs(before: UnixMillis) async throws(MPIMError) -> Int {
        try await write("forget client ids") { db in
            try db.execute(sql: "DELETE FROM clientMessage WHERE createdAt < ?", arguments: [before])
            return db.changesCount
        }
    }

    /// Acknowledges messages for a user: they count as delivered. Returns
    /// how many of the ids are messages addressed to that user, or pushed to
    /// one of their sessions in ack mode: a group message is also pushed to
    /// its sender's other sessions, though it is not addressed to the sender.
    public func acknowledge(_ messages: [MessageID], of user: UserID) async throws(MPIMError) -> Int {
        try await write("ack") { db in
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
    public func takeInbox(of user: UserID, limit: Int) async throws(MPIMError) -> [ChatMessage] {
        try await write("pull") { db in
            let fromMailbox = try db.cachedStatement(sql: """
                SELECT \(MessageRecord.selection) FROM mailbox JOIN message ON message.id = mailbox.messageID
                WHERE mailbox.userID = ? AND mailbox.state < \(MailboxState.delivered.rawValue)
                ORDER BY mailbox.messageID LIMIT ?
                """
            ).rows(user, Int64(limit), in: db, MessageRecord.init(columns:))
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
    public func awaitingAck(of user: UserID, limit: Int) async throws(MPIMError) -> [ChatMessage] {
        try await read("unacknowledged") { db in
            try db.cachedStatement(sql: """
                SELECT \(MessageRecord.selection) FROM mailbox JOIN message ON message.id = mailbox.messageID
                WHERE mailbox.userID = ? AND mailbox.state = \(MailboxState.awaitingAck.rawValue)
                ORDER BY mailbox.messageID LIMIT ?
                """
            ).rows(user, Int64(limit), in: db, MessageRecord.init(columns:)).map(\.chatMessage)
        }
    }

    /// Every message addressed to the user with an id above `after`, oldest
    /// first, whatever its delivery state (SYNC: each device keeps its own cursor).
    public func mailbox(of user: UserID, after: MessageID, limit: Int) async throws(MPIMError) -> [ChatMessage] {
        try await read("sync") { db in
            try DeliveryCursors.messages(
                in: DeliveryCursors.addressedStretches(to: user, db), to: user, after: after, limit: limit, db
            ).map(\.chatMessage)
        }
    }

    /// The conversation between two users in both directions: the `limit`
    /// latest messages with an id below `before` (if given), oldest first.
    public func conversation(
        between user: UserID, and peer: UserID, before: MessageID?, limit: Int
    ) async throws(MPIMError) -> [ChatMessage] {
        try await read("history") { db in
            try ConversationDays.messages(between: user, and: peer, before: before, limit: limit, db)
                .reversed().map(\.chatMessage)
        }
    }

    /// A group's messages: the `limit` latest with an id below `before` (if given), oldest first.
    public func groupConversation(_ group: GroupID, before: MessageID?, limit: Int) async throws(MPIMError) -> [ChatMessage] {
        try await read("group history") { db in
            try db.cachedStatement(sql: """
                SELECT \(MessageRecord.selection) FROM message WHERE groupID = ? AND id < ? ORDER BY id DESC LIMIT ?
                """
            ).rows(group, before ?? .max, Int64(limit), in: db, MessageRecord.init(columns:))
                .reversed().map(\.chatMessage)
        }
    }

    func write<T: Sendable>(_ what: String, _ body: @escaping @Sendable (Database) throws -> T)
        async throws(MPIMError) -> T
    {
        try await database.run(what, logger: logger) { try await $0.writer.write(body) }
    }

    func read<T: Sendable>(_ what: String, _ body: @escaping @Sendable (Database) throws -> T)
        async throws(MPIMError) -> T
    {
        try await database.run(what, logger: logger) { try await $0.writer.read(body) }
    }
}
