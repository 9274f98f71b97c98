import Logging
import MPIMCore
import Messaging
import PostgresNIO
import PostgresStorage

/// Messages and what each user is owed, in PostgreSQL (`MessageTables`).
public struct PostgresMessageStore: RoundTripMessageStore {
    private let database: PostgresStorage.PostgresDatabase
    private let logger: Logger

    public init(database: PostgresStorage.PostgresDatabase, logger: Logger) {
        self.database = database
        self.logger = logger
    }

    /// Receipts lock cursor and mailbox rows, never the counter row that
    /// serializes batches of messages: a second writer thread, on a
    /// connection of its own, records them alongside.
    public var recordsReceiptsApart: Bool { true }

    /// One call of `store_message_batch`: one round trip and one transaction,
    /// committed when this returns. Blocks the writer's thread meanwhile, for
    /// at most the statement timeout.
    public func store(_ batch: [OutgoingMessage], receipts: [MailboxReceipt]) throws
        -> [Result<StoredMessage, MPIMError>]
    {
        guard !batch.isEmpty || !receipts.isEmpty else { return [] }
        let call = MessageBatch(batch, receipts: receipts, at: .now())
        let lane: PostgresStorage.PostgresDatabase.WriterLane = batch.isEmpty ? .receipts : .messages
        let rows = try database.runBlocking(call.preparedCall, lane: lane).map(MessageBatch.row)
        return try call.outcomes(rows)
    }

    /// `store` for messages only, without blocking: `answer` comes on the
    /// writer connection's event loop, which sends the next batch from there.
    public func startStore(
        _ batch: [OutgoingMessage],
        answer: @escaping @Sendable (Result<[Result<StoredMessage, MPIMError>], any Error>) -> Void
    ) {
        guard !batch.isEmpty else { return answer(.success([])) }
        let call = MessageBatch(batch, receipts: [], at: .now())
        database.start(call.preparedCall, lane: .messages) { rows in
            answer(Result {
                try call.outcomes(rows.get().map(MessageBatch.row))
            })
        }
    }

    public func storeNotice(_ text: String) async throws(MPIMError) -> ChatMessage {
        try await database.run("store notice", logger: logger) { client in
            let call = MessageBatch(notice: text, at: .now())
            let rows = try await client.query(call.query).decode(MessageBatch.Row.self).collect()
            return try call.outcomes(rows)[0].get().message
        }
    }

    /// Acknowledges messages for a user: they count as delivered. Returns
    /// how many of the ids are messages sent to them, or pushed to one of
    /// their sessions in ack mode (`acknowledge_messages`).
    public func acknowledge(_ messages: [MessageID], of user: UserID) async throws(MPIMError) -> Int {
        try await database.run("ack", logger: logger) { client in
            Int(try await client.query("SELECT acknowledge_messages(\(user), \(messages))")
                .collect()[0].decode(Int64.self))
        }
    }

    /// Takes up to `limit` of the messages PULL owes the user (never pushed,
    /// or awaiting an ack), oldest first, and marks them delivered in the
    /// same transaction (`take_inbox`).
    public func takeInbox(of user: UserID, limit: Int) async throws(MPIMError) -> [ChatMessage] {
        try await database.run("pull", logger: logger) { client in
            try await client.messages("SELECT \(unescaped: MessageRow.columns) FROM take_inbox(\(user), \(Int32(limit)))")
        }
    }

    /// Group messages by their mailbox rows, 1:1 messages by `direct_owed`.
    public func awaitingAck(of user: UserID, limit: Int) async throws(MPIMError) -> [ChatMessage] {
        try await database.run("unacknowledged", logger: logger) { client in
            try await client.messages("""
                SELECT \(unescaped: MessageRow.columns) FROM message
                WHERE id IN (SELECT message_id FROM mailbox
                             WHERE user_id = \(user) AND state = \(Int16(MailboxState.awaitingAck.rawValue))
                             UNION ALL
                             SELECT message_id FROM direct_owed
                             WHERE user_id = \(user) AND state = \(Int16(MailboxState.awaitingAck.rawValue)))
                ORDER BY id LIMIT \(limit)
                """)
        }
    }

    /// Every message addressed to the user with an id above `after`, oldest
    /// first, whatever its delivery state (SYNC: each device keeps its own
    /// cursor): group messages by their mailbox rows, 1:1 messages by recipient.
    public func mailbox(of user: UserID, after: MessageID, limit: Int) async throws(MPIMError) -> [ChatMessage] {
        try await database.run("sync", logger: logger) { client in
            try await client.messages("""
                SELECT \(unescaped: MessageRow.columns) FROM message
                WHERE id IN ((SELECT message_id FROM mailbox
                              WHERE user_id = \(user) AND addressed AND message_id > \(after)
                              ORDER BY message_id LIMIT \(limit))
                             UNION ALL
                             (SELECT id FROM message WHERE recipient_id = \(user) AND id > \(after)
                              ORDER BY id LIMIT \(limit)))
                ORDER BY id LIMIT \(limit)
                """)
        }
    }

    /// The conversation between two users in both directions: the `limit`
    /// latest messages with an id below `before` (if given), oldest first.
    /// Each direction is one range of the pair index.
    public func conversation(
        between user: UserID, and peer: UserID, before: MessageID?, limit: Int
    ) async throws(MPIMError) -> [ChatMessage] {
        try await database.run("history", logger: logger) { client in
            let below = before ?? .max
            return try await client.messages("""
                SELECT \(unescaped: MessageRow.columns) FROM (
                    (SELECT \(unescaped: MessageRow.columns) FROM message
                     WHERE recipient_id = \(peer) AND sender_id = \(user) AND id < \(below) ORDER BY id DESC LIMIT \(limit))
                    UNION
                    (SELECT \(unescaped: MessageRow.columns) FROM message
                     WHERE recipient_id = \(user) AND sender_id = \(peer) AND id < \(below) ORDER BY id DESC LIMIT \(limit))
                ) pair
                ORDER BY id DESC LIMIT \(limit)
                """).reversed()
        }
    }

    /// A group's messages: the `limit` latest with an id below `before` (if given), oldest first.
    public func groupConversation(_ group: GroupID, before: MessageID?, limit: Int) async throws(MPIMError) -> [ChatMessage] {
        try await database.run("group history", logger: logger) { client in
            try await client.messages("""
                SELECT \(unescaped: MessageRow.columns) FROM message
                WHERE group_id = \(group) AND id < \(before ?? .max) ORDER BY id DESC LIMIT \(limit)
                """).reversed()
        }
    }

    /// Forgets client ids older than `before` (they are kept at least 24 h).
    public func forgetClientIDs(before: UnixMillis) async throws(MPIMError) -> Int {
        try await database.run("forget client ids", logger: logger) { client in
            let count = try await client.query("""
                WITH forgotten AS (DELETE FROM client_message WHERE created_at < \(before) RETURNING 1)
                SELECT count(*) FROM forgotten
                """).collect()[0].decode(Int64.self)
            return Int(count)
        }
    }

    /// The group's messages from now on are addressed to the user: the
    /// batches that read its recipients after this commits.
    public func startMembership(of user: UserID, in group: GroupID) async throws(MPIMError) {
        try await database.run("start membership", logger: logger) { client in
            try await client.query(
                "INSERT INTO group_recipient (group_id, user_id) VALUES (\(group), \(user)) ON CONFLICT DO NOTHING")
        }
    }

    /// The user's mailbox rows stay: what was owed stays owed to PULL, and
    /// SYNC keeps returning the messages of their time in the group.
    public func endMembership(of user: UserID, in group: GroupID) async throws(MPIMError) {
        try await database.run("end membership", logger: logger) { client in
            try await client.query("DELETE FROM group_recipient WHERE group_id = \(group) AND user_id = \(user)")
        }
    }
}
