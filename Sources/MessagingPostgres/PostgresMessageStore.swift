import Logging
import MPIMCore
import Messaging
import PostgresNIO
import PostgresStorage

/// Messages and what each user is owed, in PostgreSQL (`MessageTables`).
public struct PostgresMessageStore: MessageStore {
    private let database: PostgresStorage.PostgresDatabase
    private let logger: Logger

    public init(database: PostgresStorage.PostgresDatabase, logger: Logger) {
        self.database = database
        self.logger = logger
    }

    /// One call of `store_message_batch`: one round trip and one transaction,
    /// committed when this returns. Blocks the writer's thread meanwhile, for
    /// at most the statement timeout.
    public func store(_ batch: [OutgoingMessage], receipts: [MailboxReceipt]) throws
        -> [Result<StoredMessage, MPIMError>]
    {
        guard !batch.isEmpty || !receipts.isEmpty else { return [] }
        let call = MessageBatch(batch, receipts: receipts, at: .now())
        let rows = try database.runBlocking { client in
            try await client.query(call.query).decode(MessageBatch.Row.self).collect()
        }
        return try MessageBatch.outcomes(rows, count: batch.count)
    }

    public func storeNotice(_ text: String) async throws(MPIMError) -> ChatMessage {
        try await database.run("store notice", logger: logger) { client in
            let rows = try await client.query(MessageBatch(notice: text, at: .now()).query)
                .decode(MessageBatch.Row.self).collect()
            return try MessageBatch.outcomes(rows, count: 1)[0].get().message
        }
    }

    /// Acknowledges messages for a user: they count as delivered. Returns
    /// how many of the ids have a mailbox row of the user: addressed to
    /// them, or pushed to one of their sessions in ack mode.
    public func acknowledge(_ messages: [MessageID], of user: UserID) async throws(MPIMError) -> Int {
        try await database.run("ack", logger: logger) { client in
            let count = try await client.query("""
                WITH hit AS (
                    SELECT message_id, state FROM mailbox WHERE user_id = \(user) AND message_id = ANY(\(messages))
                    ORDER BY message_id FOR UPDATE),
                acked AS (
                    UPDATE mailbox SET state = \(Int16(MailboxState.delivered.rawValue)) FROM hit
                    WHERE mailbox.user_id = \(user) AND mailbox.message_id = hit.message_id
                      AND hit.state < \(Int16(MailboxState.delivered.rawValue)))
                SELECT count(*) FROM hit
                """).collect()[0].decode(Int64.self)
            return Int(count)
        }
    }

    /// Takes up to `limit` of the messages PULL owes the user (never pushed,
    /// or awaiting an ack), oldest first, and marks them delivered in the
    /// same statement.
    public func takeInbox(of user: UserID, limit: Int) async throws(MPIMError) -> [ChatMessage] {
        try await database.run("pull", logger: logger) { client in
            try await client.messages("""
                WITH taken AS (
                    SELECT message_id FROM mailbox
                    WHERE user_id = \(user) AND state < \(Int16(MailboxState.delivered.rawValue))
                    ORDER BY message_id LIMIT \(limit) FOR UPDATE),
                marked AS (
                    UPDATE mailbox SET state = \(Int16(MailboxState.delivered.rawValue)) FROM taken
                    WHERE mailbox.user_id = \(user) AND mailbox.message_id = taken.message_id)
                SELECT \(unescaped: MessageRow.columns) FROM message JOIN taken ON message.id = taken.message_id
                ORDER BY id
                """)
        }
    }

    public func awaitingAck(of user: UserID, limit: Int) async throws(MPIMError) -> [ChatMessage] {
        try await database.run("unacknowledged", logger: logger) { client in
            try await client.messages("""
                SELECT \(unescaped: MessageRow.columns) FROM message JOIN mailbox ON message.id = mailbox.message_id
                WHERE mailbox.user_id = \(user) AND mailbox.state = \(Int16(MailboxState.awaitingAck.rawValue))
                ORDER BY mailbox.message_id LIMIT \(limit)
                """)
        }
    }

    /// Every message addressed to the user with an id above `after`, oldest
    /// first, whatever its delivery state (SYNC: each device keeps its own cursor).
    public func mailbox(of user: UserID, after: MessageID, limit: Int) async throws(MPIMError) -> [ChatMessage] {
        try await database.run("sync", logger: logger) { client in
            try await client.messages("""
                SELECT \(unescaped: MessageRow.columns) FROM message JOIN mailbox ON message.id = mailbox.message_id
                WHERE mailbox.user_id = \(user) AND mailbox.addressed AND mailbox.message_id > \(after)
                ORDER BY mailbox.message_id LIMIT \(limit)
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
