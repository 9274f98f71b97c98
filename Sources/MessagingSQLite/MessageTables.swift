import GRDB
import Messaging
import MPIMCore
import Storage

/// The message service's tables. The message writer's hot path decides
/// their shapes (Docs/BENCHMARKS.md): each index a message writes costs its
/// commit a page, so a message is stored once, in one row and at most one
/// index entry; what each user is owed is kept by cursors
/// (`DeliveryCursors`), not by a row per recipient per message.
public enum MessageTables {
    /// As of schema v1, when members' group cursors were columns of Groups'
    /// `groupMember`.
    public static let v1: DatabaseSchema.Step = { db in
        // AUTOINCREMENT: an id is never used twice, even if the newest
        // message were deleted; clients keep ids as cursors (SYNC, HISTORY).
        try db.create(table: "message") { t in
            t.autoIncrementedPrimaryKey("id")
            t.column("senderID", .integer).notNull()
            // A 1:1 message has a recipient, a group message a group, a notice neither.
            t.column("recipientID", .integer)
            t.column("groupID", .integer)
            t.column("text", .text).notNull()
            t.column("createdAt", .integer).notNull()
        }
        // Each index holds only the messages it serves. The recipient index
        // also holds the sender: HISTORY reads a pair's 1:1 messages from it,
        // on the days the pair talked (`ConversationDays`).
        try db.execute(sql: """
            CREATE INDEX message_on_group ON message(groupID, id) WHERE groupID IS NOT NULL;
            CREATE INDEX message_on_recipient ON message(recipientID, id, senderID) WHERE recipientID IS NOT NULL;
            """)

        // A message pushed to a session in ack mode: awaiting its ack (PULL
        // returns it, login pushes it again), then delivered.
        try db.create(table: "mailbox", options: [.withoutRowID]) { t in
            t.column("userID", .integer).notNull()
            t.column("messageID", .integer).notNull()
            t.column("state", .integer).notNull()
            t.primaryKey(["userID", "messageID"])
        }
        try db.execute(sql: """
            CREATE INDEX mailbox_owed ON mailbox(userID, messageID) WHERE state < \(MailboxState.delivered.rawValue)
            """)

        // The user's delivery cursor on the 1:1 messages sent to them; no row: 0.
        try db.create(table: "directCursor", options: [.withoutRowID]) { t in
            t.primaryKey("userID", .integer)
            t.column("deliveredThrough", .integer).notNull()
        }
        // Messages with an id in (afterID, throughID] that the user missed
        // while a cursor moved past them (offline, or left the group);
        // groupID 0: a range of the user's 1:1 messages.
        try createRangeTable("deliveryBacklog", db)
        // Memberships that ended: SYNC still returns their messages.
        try createRangeTable("pastMembership", db)

        // Where each UTC day starts in message ids, and the days each pair
        // of users talked: HISTORY's way into the recipient index.
        try db.execute(sql: """
            CREATE TABLE conversationDay (day INTEGER PRIMARY KEY, firstMessageID INTEGER NOT NULL);
            CREATE UNIQUE INDEX conversationDay_on_firstMessage ON conversationDay(firstMessageID);
            CREATE TABLE conversationPair (
                lowUserID INTEGER NOT NULL, highUserID INTEGER NOT NULL, day INTEGER NOT NULL,
                PRIMARY KEY (lowUserID, highUserID, day)) WITHOUT ROWID;
            """)

        // @cid idempotency: one row per (sender, client id).
        try db.create(table: "clientMessage", options: [.withoutRowID]) { t in
            t.column("senderID", .integer).notNull()
            t.column("clientID", .text).notNull()
            t.column("messageID", .integer).notNull()
            t.column("createdAt", .integer).notNull()
            t.primaryKey(["senderID", "clientID"])
        }
        try db.create(index: "clientMessage_on_createdAt", on: "clientMessage", columns: ["createdAt"])
    }

    /// Schema v2: each member's cursor on a group's messages in messaging's
    /// own `groupCursor`, copied from Groups' `groupMember` where v1 kept
    /// it (`GroupTables.v2` then drops those columns). A row per current
    /// member: it is also the group's recipient list.
    public static let v2: DatabaseSchema.Step = { db in
        try db.create(table: "groupCursor", options: [.withoutRowID]) { t in
            t.column("groupID", .integer).notNull()
            t.column("userID", .integer).notNull()
            // The newest message id when the user joined: later messages are theirs.
            t.column("joinedAfter", .integer).notNull()
            // Every message of the group up to this id reached the user, except
            // the ranges in `deliveryBacklog`; PULL owes the ones after it.
            t.column("deliveredThrough", .integer).notNull()
            t.primaryKey(["groupID", "userID"])
        }
        try db.create(index: "groupCursor_on_user", on: "groupCursor", columns: ["userID", "groupID"])
        // A file with messaging's tables only (a store's own tests) has no v1 groupMember.
        guard try db.tableExists("groupMember") else { return }
        try db.execute(sql: """
            INSERT INTO groupCursor (groupID, userID, joinedAfter, deliveredThrough)
            SELECT groupID, userID, joinedAfter, deliveredThrough FROM groupMember
            """)
    }

    /// The schema of messaging's tables alone, for a store's own tests.
    public static let schema = DatabaseSchema([
        .init("v1", steps: [v1]),
        .init("v2", steps: [v2]),
    ])

    /// A table of ranges (afterID, throughID] of one user's messages in one
    /// group; both range tables have these columns, and `DeliveryCursors`
    /// writes either with the same statement.
    private static func createRangeTable(_ name: String, _ db: Database) throws {
        try db.create(table: name, options: [.withoutRowID]) { t in
            t.column("userID", .integer).notNull()
            t.column("groupID", .integer).notNull()
            t.column("afterID", .integer).notNull()
            t.column("throughID", .integer).notNull()
            t.primaryKey(["userID", "groupID", "afterID"])
        }
    }
}

/// A row of `groupCursor`: a member's place in a group's messages.
struct GroupCursorRecord: Codable, Sendable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "groupCursor"

    var groupID: GroupID
    var userID: UserID
    var joinedAfter: MessageID
    var deliveredThrough: MessageID
}
