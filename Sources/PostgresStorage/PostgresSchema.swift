import Logging
import PostgresNIO

/// The migrations a PostgreSQL database is brought up to, in order; each
/// table belongs to one service's store, which writes the steps that create
/// and change it, and the composition root lists those steps in the order
/// they were released (as `DatabaseSchema` does for SQLite).
///
/// A released migration is never edited: databases in use have run it.
/// Every schema change is a new migration after the last.
public struct PostgresSchema: Sendable {
    /// One step of one owner: tables it creates or changes, rows it converts.
    /// It runs inside the migration's transaction, on its connection.
    public typealias Step = @Sendable (PostgresConnection, Logger) async throws -> Void

    /// A migration: its owners' steps, applied in one transaction and
    /// recorded by identifier in `schema_migration`.
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

    /// A step made of fixed SQL statements, run in order: the DDL an owner
    /// writes (no values from outside, so nothing to bind).
    public static func statements(_ statements: String...) -> Step {
        { connection, logger in
            for sql in statements {
                try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger)
            }
        }
    }
}
