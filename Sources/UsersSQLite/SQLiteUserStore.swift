import GRDB
import Logging
import MPIMCore
import Storage
import Users

/// Accounts and friendships in the SQLite file.
public struct SQLiteUserStore: UserStore {
    let database: AppDatabase
    let logger: Logger

    public init(database: AppDatabase, logger: Logger) {
        self.database = database
        self.logger = logger
    }

    public func insertUser(name: String, passwordHash: String) async throws(MPIMError) -> StoredUser {
        try await database.run("register", logger: logger) { database in
            do {
                return try await database.writer.write { db in
                    var user = UserRecord(id: nil, name: name, passwordHash: passwordHash, createdAt: .now())
                    try user.insert(db)
                    return user.stored
                }
            } catch let error as DatabaseError where error.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE {
                throw MPIMError.userExists
            }
        }
    }

    public func user(named name: String) async throws(MPIMError) -> StoredUser? {
        try await database.run("look up user", logger: logger) { database in
            try await database.writer.read { db in
                try UserRecord.filter(UserRecord.Columns.name == name).fetchOne(db)?.stored
            }
        }
    }

    public func names(of ids: [UserID]) async throws(MPIMError) -> [UserID: String] {
        try await database.run("look up names", logger: logger) { database in
            try await database.writer.read { db in
                let rows = try Row.fetchAll(
                    db, sql: "SELECT id, name FROM user WHERE id IN (\(databaseQuestionMarks(count: ids.count)))",
                    arguments: StatementArguments(ids))
                return Dictionary(rows.map { ($0[0] as UserID, $0[1] as String) }, uniquingKeysWith: { first, _ in first })
            }
        }
    }

    public func userExists(_ id: UserID) async throws(MPIMError) -> Bool {
        try await database.run("user lookup", logger: logger) { database in
            try await database.writer.read { db in try UserRecord.exists(db, key: id) }
        }
    }
}
