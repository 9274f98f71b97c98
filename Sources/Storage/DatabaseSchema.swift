import GRDB

/// The migrations a database file is brought up to, in order. Each table
/// belongs to one service's store, which writes the steps that create and
/// change it; the composition root lists those steps in the order they
/// were released.
///
/// A registered migration is never edited: files in use have run it. Every
/// schema change is a new migration after the last, with a test that
/// upgrades a v1 database holding data and reads it back.
public struct DatabaseSchema: Sendable {
    /// One step of one owner: tables it creates or changes, rows it converts.
    public typealias Step = @Sendable (Database) throws -> Void

    /// A migration: its owners' steps, run in one transaction.
    public struct Migration: Sendable {
        public var identifier: String
        public var steps: [Step]

        public init(_ identifier: String, steps: [Step]) {
            self.identifier = identifier
            self.steps = steps
        }
    }

    public var migrations: [Migration]

    public init(_ migrations: [Migration]) {
        self.migrations = migrations
    }

    var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        for migration in migrations {
            migrator.registerMigration(migration.identifier) { db in
                for step in migration.steps { try step(db) }
            }
        }
        return migrator
    }

    /// Runs the migrations up to and including `identifier` on the file at
    /// `path`, and no further (for tests that build a file of an older schema).
    public func migrate(fileAt path: String, upTo identifier: String) throws {
        let queue = try DatabaseQueue(path: path)
        try migrator.migrate(queue, upTo: identifier)
        try queue.close()
    }
}
