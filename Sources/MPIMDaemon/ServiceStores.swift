import Groups
import GroupsPostgres
import GroupsSQLite
import Logging
import Messaging
import MessagingPostgres
import MessagingSQLite
import PostgresStorage
import ServiceLifecycle
import Storage
import Users
import UsersPostgres
import UsersSQLite

/// Where every service keeps its data (`[storage] backend`): an embedded
/// SQLite file, or a PostgreSQL server that daemons on several hosts share.
public enum StorageBackend: String, CaseIterable, Sendable {
    case sqlite
    case postgres
}

/// Each service's store on the configured backend, and what keeps that
/// backend up while the daemon runs.
struct ServiceStores: Sendable {
    let users: any UserStore
    let groups: any GroupStore
    let messages: any MessageStore
    /// Whether a write commits right now (`/healthz`).
    let isWritable: @Sendable () async -> Bool
    /// Runs beside the services and stops after them: SQLite's WAL
    /// checkpointer, or the PostgreSQL pool.
    let upkeep: any Service

    /// Opens the backend and brings its schema up to date.
    static func open(_ configuration: DaemonConfiguration, logger: (String) -> Logger) async throws -> ServiceStores {
        switch configuration.storageBackend {
        case .sqlite:
            let database = try await openSQLite(configuration.database)
            return ServiceStores(
                users: SQLiteUserStore(database: database, logger: logger("users")),
                groups: SQLiteGroupStore(database: database, logger: logger("groups")),
                messages: SQLiteMessageStore(database: database, logger: logger("messaging")),
                isWritable: { await database.isWritable() },
                upkeep: WALCheckpointer(configuration: configuration.database, logger: logger("storage")))
        case .postgres:
            let database = try await PostgresDatabase.open(configuration.postgres, schema: .mpim, logger: logger("storage"))
            return ServiceStores(
                users: PostgresUserStore(database: database, logger: logger("users")),
                groups: PostgresGroupStore(database: database, logger: logger("groups")),
                messages: PostgresMessageStore(database: database, logger: logger("messaging")),
                isWritable: {
                    do {
                        try await database.healthProbe()
                        return true
                    } catch {
                        return false
                    }
                },
                upkeep: database)
        }
    }

    /// The SQLite file, or an error that names it.
    private static func openSQLite(_ configuration: AppDatabase.Configuration)
        async throws(DatabaseOpenError) -> AppDatabase
    {
        do {
            return try await AppDatabase.openWhenFree(configuration, schema: .mpim)
        } catch {
            throw DatabaseOpenError(path: configuration.path, cause: error)
        }
    }
}

/// `cannot open the database data/mpim.db: SQLite error 14: unable to open database file`.
struct DatabaseOpenError: Error, CustomStringConvertible {
    var path: String
    var cause: any Error
    var description: String { "cannot open the database \(path): \(cause)" }
}
