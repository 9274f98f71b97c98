import GRDB

extension AppDatabase {
    /// The schema, one migration per change since the first release schema, v1.
    ///
    /// Every schema change is a new migration, registered after the last one,
    /// with a test that upgrades a v1 database holding data and reads it
    /// back through the public API: `SchemaV1Database` in StorageTests builds
    /// one, `expectSchemaV1DataReadsBack` reads it. A registered migration is
    /// never edited: files in use have run it.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1", migrate: createSchemaV1)
        return migrator
    }

    /// Every table as of v1. The message writer's hot path decides the
    /// shapes (Docs/BENCHMARKS.md): each index a message writes costs its
    /// commit a page, so a message is stored once, in one row and at most one
    /// index entry; what each user is owed is kept by cursors
    /// (`DeliveryCursors`), not by a row per recipient per message.
    private static func createSchemaV1(_ db: Database) throws {
        try db.create(table: "user") { t in
            t.autoIncrementedPrimaryKey("id")
            t.column("name", .text).notNull().unique()
            t.column("passwordHash", .text).notNull()
            t.column("createdAt", .integer).notNull()
        }

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

        // Friendship is mutual and stored both ways, so "friends of X" is one range scan.
        try db.create(table: "friendship", options: [.withoutRowID]) { t in
            t.column("userID", .integer).notNull()
            t.column("friendID", .integer).notNull()
            t.column("createdAt", .integer).notNull()
            t.primaryKey(["userID", "friendID"])
        }

        try db.create(table: "chatGroup") { t in
            t.autoIncrementedPrimaryKey("id")
            t.column("name", .text).notNull()
            t.column("description", .text).notNull()
            t.column("creatorID", .integer).notNull()
            t.column("createdAt", .integer).notNull()
        }
        try db.create(table: "groupMember", options: [.withoutRowID]) { t in
            t.column("groupID", .integer).notNull()
            t.column("userID", .integer).notNull()
            t.column("joinedAt", .integer).notNull()
            // The newest message id when the user joined: later messages are theirs.
            t.column("joinedAfter", .integer).notNull().defaults(to: 0)
            // The member's delivery cursor on the group's messages.
            t.column("deliveredThrough", .integer).notNull().defaults(to: 0)
            t.primaryKey(["groupID", "userID"])
        }
        try db.create(index: "groupMember_on_user", on: "groupMember", columns: ["userID", "groupID"])

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

        // One row rewritten by /healthz to prove the file is writable.
        try db.create(table: "healthProbe") { t in
            t.primaryKey("id", .integer)
            t.column("checkedAt", .integer).notNull()
        }
    }

    /// A table of ranges (afterID, throughID] of one user's messages in one
    /// group; both range tables have these columns, and
    /// `DeliveryCursors` writes either with the same statement.
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
