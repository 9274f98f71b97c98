import GRDB
import MPIMCore

extension AppDatabase {
    /// Inserts an account; `MPIMError.userExists` when the name is taken.
    public func insertUser(name: String, passwordHash: String) async throws -> UserRecord {
        do {
            return try await writer.write { db in
                var user = UserRecord(id: nil, name: name, passwordHash: passwordHash, createdAt: .now())
                try user.insert(db)
                return user
            }
        } catch let error as DatabaseError where error.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE {
            throw MPIMError.userExists
        }
    }

    /// The account with this name, if any.
    public func user(named name: String) async throws -> UserRecord? {
        try await writer.read { db in
            try UserRecord.filter(UserRecord.Columns.name == name).fetchOne(db)
        }
    }

    /// Whether an account with this id exists.
    public func userExists(_ id: UserID) async throws -> Bool {
        try await writer.read { db in
            try UserRecord.exists(db, key: id)
        }
    }
}
