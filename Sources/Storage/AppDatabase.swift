import Foundation
import GRDB
import Logging
import MPIMCore
import WorkQueues

/// The durable store: accounts and messages in one SQLite file (WAL).
///
/// Several daemons may open the same file; SQLite's locks and the busy
/// timeout serialize their writers, and AUTOINCREMENT keeps msg_ids unique
/// and increasing across all of them.
public struct AppDatabase: Sendable {
    /// How the database file is opened.
    public struct Configuration: Sendable {
        /// Path of the SQLite file; its folder is created if missing.
        public var path: String
        /// How long a writer waits for another process's lock before failing.
        public var busyTimeout: Duration
        /// About how large the write-ahead log grows under steady writes
        /// before it restarts from its start (`WALCheckpointer`).
        public var walRestartBytes: Int

        public init(path: String = "data/mpim.db", busyTimeout: Duration = .seconds(5),
                    walRestartBytes: Int = 200 << 20) {
            self.path = path
            self.busyTimeout = busyTimeout
            self.walRestartBytes = walRestartBytes
        }
    }

    let writer: any DatabaseWriter

    /// Wraps an open database and brings its schema up to date.
    public init(_ writer: any DatabaseWriter) throws {
        self.writer = writer
        try Self.migrate(writer)
    }

    /// Brings the schema up to date. Another daemon may be migrating the same
    /// file at the same moment (GRDB reads which steps are applied once, then
    /// runs each in its own transaction), so a step that fails after the
    /// other applied steps is retried from what is applied now.
    static func migrate(_ writer: any DatabaseWriter) throws {
        let migrator = Self.migrator
        while true {
            let applied = try writer.read { try migrator.appliedIdentifiers($0) }
            do {
                try migrator.migrate(writer)
                return
            } catch {
                guard try writer.read({ try migrator.appliedIdentifiers($0) }) != applied else { throw error }
            }
        }
    }

    /// `open`, tried again while another process holds the file locked (two
    /// daemons of a cluster started together on a new file: switching it to
    /// WAL does not wait for the other's lock), for up to the busy timeout.
    public static func openWhenFree(_ configuration: Configuration) async throws -> AppDatabase {
        let deadline = ContinuousClock.now + configuration.busyTimeout
        while true {
            do {
                return try open(configuration)
            } catch let error as DatabaseError
                where [.SQLITE_BUSY, .SQLITE_LOCKED].contains(error.resultCode) && ContinuousClock.now < deadline
            {
                try await Task.sleep(for: .milliseconds(20))
            }
        }
    }

    /// Opens (or creates) the file as a WAL `DatabasePool`.
    public static func open(_ configuration: Configuration) throws -> AppDatabase {
        try Folders.create(containing: configuration.path)
        var config = GRDB.Configuration()
        config.busyMode = .timeout(configuration.busyTimeout.timeInterval)
        config.prepareDatabase { db in
            // WAL + NORMAL: a commit survives a killed process (SIGKILL); only
            // an OS crash can lose the last transactions.
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            // Small pages for a new file: a commit writes every page it
            // touched, and a message touches a few index pages (its
            // recipient's mailbox, its conversation) holding rows of a few
            // bytes each. No effect on an existing file.
            try db.execute(sql: "PRAGMA page_size = 1024")
            // Where the writer's own commit copies the rest of the log back
            // and the log restarts (`WALCheckpointer` says why it is large).
            // Without a checkpointer (tests, tools) this is the only checkpoint.
            try db.execute(sql: "PRAGMA wal_autocheckpoint = \(WALCheckpointer.restartPages(db, configuration))")
            // 16 MiB of page cache per connection (SQLite's default is 2 MiB):
            // each message lands in a few per-user index pages scattered over
            // the file, and with the default cache the writer re-read them
            // from the OS (`pread`) for most messages.
            try db.execute(sql: "PRAGMA cache_size = -16384")
        }
        let pool = try DatabasePool(path: configuration.path, configuration: config)
        return try AppDatabase(pool)
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: users, messages, inbox") { db in
            try db.create(table: "user") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("name", .text).notNull().unique()
                t.column("passwordHash", .text).notNull()
                t.column("createdAt", .integer).notNull()
            }
            try db.create(table: "message") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("senderID", .integer).notNull()
                // A 1:1 message has a recipient, a group message a group.
                t.column("recipientID", .integer)
                t.column("groupID", .integer)
                t.column("text", .text).notNull()
                t.column("createdAt", .integer).notNull()
            }
            try db.create(
                index: "message_on_conversation", on: "message",
                columns: ["senderID", "recipientID", "id"])
            // One row per message not yet delivered to any session of its
            // recipient; PULL takes them, a push removes them.
            try db.create(table: "inbox", options: [.withoutRowID]) { t in
                t.column("userID", .integer).notNull()
                t.column("messageID", .integer).notNull()
                t.primaryKey(["userID", "messageID"])
            }
        }
        migrator.registerMigration("v2: friends, groups") { db in
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
                t.primaryKey(["groupID", "userID"])
            }
            try db.create(index: "groupMember_on_user", on: "groupMember", columns: ["userID", "groupID"])
            try db.create(index: "message_on_group", on: "message", columns: ["groupID", "id"])
        }
        migrator.registerMigration("v3: mailbox with delivery states, client message ids") { db in
            // Every message addressed to a user keeps its row (SYNC reads
            // them all); the state says whether PULL still owes it.
            try db.create(table: "mailbox", options: [.withoutRowID]) { t in
                t.column("userID", .integer).notNull()
                t.column("messageID", .integer).notNull()
                t.column("state", .integer).notNull().defaults(to: MailboxState.undelivered.rawValue)
                t.primaryKey(["userID", "messageID"])
            }
            try db.execute(sql: """
                CREATE INDEX mailbox_owed ON mailbox(userID, messageID) WHERE state < \(MailboxState.delivered.rawValue)
                """)
            try db.execute(sql: "INSERT INTO mailbox (userID, messageID, state) SELECT userID, messageID, 0 FROM inbox")
            try db.drop(table: "inbox")
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
        migrator.registerMigration("v4: health probe") { db in
            // One row rewritten by /healthz to prove the file is writable.
            try db.create(table: "healthProbe") { t in
                t.primaryKey("id", .integer)
                t.column("checkedAt", .integer).notNull()
            }
        }
        migrator.registerMigration("v5: group delivery cursors") { db in
            // A group message is stored once. What a member is still owed is
            // a cursor on the membership (every message of the group up to it
            // reached them) plus ranges of messages they missed, instead of a
            // mailbox row per member per message. Messages stored before this
            // migration keep their mailbox rows.
            let head = try MessageID.fetchOne(db, sql: "SELECT COALESCE(MAX(id), 0) FROM message") ?? 0
            try db.alter(table: "groupMember") { t in
                // The newest message id when the user joined: later messages are theirs.
                t.add(column: "joinedAfter", .integer).notNull().defaults(to: 0)
                t.add(column: "deliveredThrough", .integer).notNull().defaults(to: 0)
            }
            try db.execute(
                sql: "UPDATE groupMember SET joinedAfter = ?1, deliveredThrough = ?1", arguments: [head])
            // Group messages with an id in (afterID, throughID] that the user
            // missed while the cursor moved past them (offline, or left the group).
            try db.create(table: "groupBacklog", options: [.withoutRowID]) { t in
                t.column("userID", .integer).notNull()
                t.column("groupID", .integer).notNull()
                t.column("afterID", .integer).notNull()
                t.column("throughID", .integer).notNull()
                t.primaryKey(["userID", "groupID", "afterID"])
            }
            // Memberships that ended: SYNC still returns their messages.
            try db.create(table: "pastMembership", options: [.withoutRowID]) { t in
                t.column("userID", .integer).notNull()
                t.column("groupID", .integer).notNull()
                t.column("afterID", .integer).notNull()
                t.column("throughID", .integer).notNull()
                t.primaryKey(["userID", "groupID", "afterID"])
            }
        }
        migrator.registerMigration("v6: 1:1 delivery cursors") { db in
            // 1:1 messages join the cursor scheme (`DeliveryCursors`): each
            // user has a cursor over the messages sent to them, found by a
            // new index, and no mailbox row per message. Messages stored
            // before keep their mailbox rows.
            let head = try MessageID.fetchOne(db, sql: "SELECT COALESCE(MAX(id), 0) FROM message") ?? 0
            try db.create(table: "directCursor", options: [.withoutRowID]) { t in
                t.primaryKey("userID", .integer)
                t.column("deliveredThrough", .integer).notNull()
            }
            try db.execute(sql: "INSERT INTO directCursor (userID, deliveredThrough) SELECT id, ? FROM user", arguments: [head])
            // Backlog rows with groupID 0 are ranges of a user's 1:1 messages.
            try db.rename(table: "groupBacklog", to: "deliveryBacklog")
            // Each index only holds the messages it serves: a 1:1 message no
            // longer writes an entry to the group index, nor a group message
            // to the conversation one.
            try db.execute(sql: """
                CREATE INDEX message_on_recipient ON message(recipientID, id) WHERE recipientID IS NOT NULL;
                DROP INDEX message_on_group;
                CREATE INDEX message_on_group ON message(groupID, id) WHERE groupID IS NOT NULL;
                DROP INDEX message_on_conversation;
                CREATE INDEX message_on_conversation ON message(senderID, recipientID, id) WHERE recipientID IS NOT NULL;
                """)
        }
        migrator.registerMigration("v7: 1:1 history by conversation days") { db in
            // HISTORY finds a pair's messages through the days they talked
            // (`ConversationDays`) and the recipient index, which now also
            // holds the sender: one index entry per 1:1 message instead of two.
            try db.execute(sql: """
                CREATE TABLE conversationDay (day INTEGER PRIMARY KEY, firstMessageID INTEGER NOT NULL);
                CREATE TABLE conversationPair (
                    lowUserID INTEGER NOT NULL, highUserID INTEGER NOT NULL, day INTEGER NOT NULL,
                    PRIMARY KEY (lowUserID, highUserID, day)) WITHOUT ROWID;
                INSERT INTO conversationDay (day, firstMessageID)
                    SELECT createdAt / \(ConversationDays.millisecondsPerDay), MIN(id) FROM message GROUP BY 1;
                -- Days must start in id order: a day that starts after a later
                -- one (the clock went back) joins the day before it.
                DELETE FROM conversationDay WHERE firstMessageID >
                    (SELECT MIN(later.firstMessageID) FROM conversationDay later WHERE later.day > conversationDay.day);
                UPDATE conversationDay SET firstMessageID = 0 WHERE day = (SELECT MIN(day) FROM conversationDay);
                CREATE UNIQUE INDEX conversationDay_on_firstMessage ON conversationDay(firstMessageID);
                INSERT OR IGNORE INTO conversationPair (lowUserID, highUserID, day)
                    SELECT MIN(senderID, recipientID), MAX(senderID, recipientID),
                           (SELECT day FROM conversationDay WHERE firstMessageID <= message.id
                            ORDER BY firstMessageID DESC LIMIT 1)
                    FROM message WHERE recipientID IS NOT NULL;
                DROP INDEX message_on_conversation;
                DROP INDEX message_on_recipient;
                CREATE INDEX message_on_recipient ON message(recipientID, id, senderID) WHERE recipientID IS NOT NULL;
                """)
        }
        return migrator
    }
}
