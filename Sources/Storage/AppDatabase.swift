import CSQLiteWALBatching
import Foundation
import GRDB
import Logging
import MPIMCore
import WorkQueues

/// The SQLite file (WAL) every service's store keeps its own tables in: the
/// pool, the schema's migrations, and what opening it takes.
///
/// Several daemons may open the same file; SQLite's locks and the busy
/// timeout serialize their writers.
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
        /// When a commit is on disk.
        public var synchronous: Synchronous

        public init(path: String = "data/mpim.db", busyTimeout: Duration = .seconds(5),
                    walRestartBytes: Int = 200 << 20, synchronous: Synchronous = .normal) {
            self.path = path
            self.busyTimeout = busyTimeout
            self.walRestartBytes = walRestartBytes
            self.synchronous = synchronous
        }
    }

    /// SQLite's `synchronous` in WAL mode: what a commit survives.
    public enum Synchronous: String, Sendable, CaseIterable {
        /// A commit survives a killed process; the last commits before an OS
        /// crash or power loss may be lost (the log is synced at checkpoints).
        case normal
        /// A commit survives power loss too: the log is synced at every
        /// commit, one `fsync` per group commit.
        case full
    }

    /// The pool the stores read and write through.
    public let writer: any DatabaseWriter

    /// Wraps an open database and brings its schema up to date.
    public init(_ writer: any DatabaseWriter, schema: DatabaseSchema) throws {
        self.writer = writer
        try Self.migrate(writer, schema: schema)
    }

    /// Brings the schema up to date. Another daemon may be migrating the same
    /// file at the same moment (GRDB reads which steps are applied once, then
    /// runs each in its own transaction), so a step that fails after the
    /// other applied steps is retried from what is applied now. A file that
    /// holds steps this build does not know is refused (`UnknownSchemaError`).
    static func migrate(_ writer: any DatabaseWriter, schema: DatabaseSchema) throws {
        let migrator = schema.migrator
        while true {
            let applied = try writer.read { try migrator.appliedIdentifiers($0) }
            if let refusal = UnknownSchemaError(applied: applied, known: migrator.migrations) { throw refusal }
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
    public static func openWhenFree(_ configuration: Configuration, schema: DatabaseSchema) async throws
        -> AppDatabase
    {
        let deadline = ContinuousClock.now + configuration.busyTimeout
        while true {
            do {
                return try open(configuration, schema: schema)
            } catch let error as DatabaseError
                where [.SQLITE_BUSY, .SQLITE_LOCKED].contains(error.resultCode) && ContinuousClock.now < deadline
            {
                try await Task.sleep(for: .milliseconds(20))
            }
        }
    }

    /// Every SQLite file of the process is opened through a VFS that writes a
    /// commit's log frames with one `write(2)` instead of two a page
    /// (`CSQLiteWALBatching`: 3.9 write calls a message on the writer at
    /// 10 000 messages a second before, 0.19 after).
    private static let walBatching = ResultCode(rawValue: mpim_sqlite_register_wal_batching())

    /// Opens (or creates) the file as a WAL `DatabasePool`.
    public static func open(_ configuration: Configuration, schema: DatabaseSchema) throws -> AppDatabase {
        guard walBatching == .SQLITE_OK else {
            throw DatabaseError(resultCode: walBatching, message: "registering the WAL-batching VFS")
        }
        try Folders.create(containing: configuration.path)
        var config = GRDB.Configuration()
        config.busyMode = .timeout(configuration.busyTimeout.timeInterval)
        let synchronous = "PRAGMA synchronous = \(configuration.synchronous.rawValue.uppercased())"
        config.prepareDatabase { db in
            try db.execute(sql: synchronous)
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
        // Again on the writer: GRDB sets NORMAL there after `prepareDatabase`,
        // when it switches the file to WAL.
        try pool.writeWithoutTransaction { try $0.execute(sql: synchronous) }
        return try AppDatabase(pool, schema: schema)
    }
}
