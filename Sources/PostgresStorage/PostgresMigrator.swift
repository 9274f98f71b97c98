import Logging
import PostgresNIO

/// Brings a database's schema up to date, once, however many daemons start
/// on it together.
enum PostgresMigrator {
    /// The advisory lock every mpimd migrates under ("mpim" and 1): a second
    /// daemon waits until the first has committed, then finds nothing to do.
    static let lockKey: Int64 = 0x6D70_696D_0000_0001

    /// Applies the migrations the database lacks, all in one transaction
    /// under the advisory lock (PostgreSQL's DDL is transactional: a failed
    /// step leaves nothing half-made). A database that records migrations
    /// this build does not know is refused, untouched.
    static func migrate(_ connection: PostgresConnection, to schema: PostgresSchema, logger: Logger) async throws {
        try await connection.withTransaction(logger: logger) { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(\(lockKey))", logger: logger)
            try await connection.query("""
                CREATE TABLE IF NOT EXISTS schema_migration (
                    identifier text PRIMARY KEY,
                    applied_at timestamptz NOT NULL DEFAULT now())
                """, logger: logger)
            var applied = Set<String>()
            for try await identifier in try await connection.query(
                "SELECT identifier FROM schema_migration", logger: logger
            ).decode(String.self) {
                applied.insert(identifier)
            }
            let known = schema.migrations.map(\.identifier)
            if let refusal = UnknownPostgresSchemaError(applied: applied, known: known) { throw refusal }
            for migration in schema.migrations where !applied.contains(migration.identifier) {
                logger.info("applying PostgreSQL schema migration", metadata: ["migration": "\(migration.identifier)"])
                for step in migration.steps {
                    try await step(connection, logger)
                }
                try await connection.query(
                    "INSERT INTO schema_migration (identifier) VALUES (\(migration.identifier))", logger: logger)
            }
        }
    }
}

/// The database records schema migrations this build does not know, so its
/// tables are not the ones this code reads: a newer mpimd made them. No
/// migration runs on it.
public struct UnknownPostgresSchemaError: Error, Equatable, CustomStringConvertible {
    /// The unknown migrations, sorted.
    public var unknown: [String]

    public var description: String {
        let migrations = unknown.map { "'\($0)'" }.joined(separator: ", ")
        return "the database was migrated by a newer mpimd (schema migrations \(migrations) are unknown to this one); "
            + "run that version, or point this one at another database"
    }

    /// nil when every applied migration is known.
    init?(applied: Set<String>, known: [String]) {
        let unknown = applied.subtracting(known).sorted()
        guard !unknown.isEmpty else { return nil }
        self.unknown = unknown
    }
}
