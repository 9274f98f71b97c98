import PostgresStorage

/// The message service's tables on PostgreSQL.
///
/// A message is stored once. What a user is owed of the 1:1 messages sent
/// to them is a cursor and the rows below it (`DirectCursors`), as in the
/// SQLite store. Each member of a group gets a `mailbox` row per group
/// message, inserted in one statement per batch, whose state says whether
/// it is owed, was pushed or was acknowledged: PostgreSQL writes rows of
/// many messages into one WAL record per page, so these rows cost a batch
/// little where each index page was a page written in SQLite
/// (`DeliveryCursors` there). The contract (`MessageStore`) is the same.
public enum MessageTables {
    /// As of schema v1.
    public static let v1 = PostgresSchema.statements([
        // The text's UTF-8 bytes: PostgreSQL's text cannot hold a NUL, and a
        // message's text is kept byte for byte. A 1:1 message has a
        // recipient, a group message a group, a notice neither. Ids come
        // from `message_counter`, never from a sequence (see there).
        """
        CREATE TABLE message (
            id bigint PRIMARY KEY,
            sender_id bigint NOT NULL,
            recipient_id bigint,
            group_id bigint,
            body bytea NOT NULL,
            created_at bigint NOT NULL)
        """,
        "CREATE INDEX message_on_group ON message (group_id, id) WHERE group_id IS NOT NULL",
        // HISTORY of a pair reads each direction from here.
        "CREATE INDEX message_on_pair ON message (recipient_id, sender_id, id) WHERE recipient_id IS NOT NULL",
        // The last message id given out: batches lock this one row to their
        // commit, so ids are assigned and committed in one order across
        // every daemon on the database (`store_message_batch`).
        """
        CREATE TABLE message_counter (
            singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
            last_id bigint NOT NULL)
        """,
        "INSERT INTO message_counter (last_id) VALUES (0)",
        // What each group message is to each member. state: 0 owed (PULL
        // returns it), 1 pushed to a session in ack mode and not acknowledged
        // (PULL returns it, login pushes it again), 2 delivered. addressed:
        // the message was sent to the user (SYNC returns it); false for a
        // member's own group message pushed to their other ack-mode session.
        """
        CREATE TABLE mailbox (
            user_id bigint NOT NULL,
            message_id bigint NOT NULL,
            state smallint NOT NULL,
            addressed boolean NOT NULL,
            PRIMARY KEY (user_id, message_id))
        """,
        "CREATE INDEX mailbox_owed ON mailbox (user_id, message_id) WHERE state < 2",
        // A group's recipients: the memberships Groups told of.
        """
        CREATE TABLE group_recipient (
            group_id bigint NOT NULL,
            user_id bigint NOT NULL,
            PRIMARY KEY (group_id, user_id))
        """,
        // @cid idempotency: one row per (sender, client id).
        """
        CREATE TABLE client_message (
            sender_id bigint NOT NULL,
            client_id text NOT NULL,
            message_id bigint NOT NULL,
            created_at bigint NOT NULL,
            PRIMARY KEY (sender_id, client_id))
        """,
        "CREATE INDEX client_message_on_created_at ON client_message (created_at)"
    ] + DirectCursors.v1 + [StoreMessageBatch.v1])

    /// As of schema v2.
    public static let v2 = PostgresSchema.statements(DirectCursors.v2)

    /// The schema of messaging's tables alone, for a store's own tests.
    public static let schema = PostgresSchema([.init("v1", steps: [v1]), .init("v2", steps: [v2])])
}
