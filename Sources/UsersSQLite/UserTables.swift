import GRDB
import MPIMCore
import Storage
import Users

/// The user service's tables.
public enum UserTables {
    /// As of schema v1.
    public static let v1: DatabaseSchema.Step = { db in
        try db.create(table: "user") { t in
            t.autoIncrementedPrimaryKey("id")
            t.column("name", .text).notNull().unique()
            t.column("passwordHash", .text).notNull()
            t.column("createdAt", .integer).notNull()
        }
        // Friendship is mutual and stored both ways, so "friends of X" is one range scan.
        try db.create(table: "friendship", options: [.withoutRowID]) { t in
            t.column("userID", .integer).notNull()
            t.column("friendID", .integer).notNull()
            t.column("createdAt", .integer).notNull()
            t.primaryKey(["userID", "friendID"])
        }
    }

    /// The schema of the user service's tables alone, for a store's own tests.
    public static let schema = DatabaseSchema([.init("v1", steps: [v1])])
}

/// A row of `user`.
struct UserRecord: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    static let databaseTableName = "user"

    var id: UserID?
    var name: String
    var passwordHash: String
    var createdAt: UnixMillis

    enum Columns {
        static let name = Column(CodingKeys.name)
    }

    mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }

    var stored: StoredUser {
        StoredUser(id: id ?? 0, name: name, passwordHash: passwordHash, createdAt: createdAt)
    }
}

/// A row of `friendship` (one per direction).
struct FriendshipRecord: Codable, Sendable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "friendship"

    var userID: UserID
    var friendID: UserID
    var createdAt: UnixMillis
}
