import Logging
import MPIMCore
import PostgresNIO
import PostgresStorage
import Users

/// Accounts and friendships in PostgreSQL.
public struct PostgresUserStore: UserStore {
    private let database: PostgresStorage.PostgresDatabase
    private let logger: Logger

    public init(database: PostgresStorage.PostgresDatabase, logger: Logger) {
        self.database = database
        self.logger = logger
    }

    public func insertUser(name: String, passwordHash: String) async throws(MPIMError) -> StoredUser {
        try await database.run("register", logger: logger) { client in
            let now = UnixMillis.now()
            do {
                let rows = try await client.query("""
                    INSERT INTO account (name, password_hash, created_at) VALUES (\(name), \(passwordHash), \(now))
                    RETURNING id
                    """).collect()
                return StoredUser(id: try rows[0].decode(UserID.self), name: name, passwordHash: passwordHash,
                                  createdAt: now)
            } catch let error where error.isUniqueViolation {
                throw MPIMError.userExists
            }
        }
    }

    public func user(named name: String) async throws(MPIMError) -> StoredUser? {
        try await database.run("look up user", logger: logger) { client in
            let rows = try await client.query(
                "SELECT id, password_hash, created_at FROM account WHERE name = \(name)"
            ).collect()
            return try rows.first.map { row in
                let (id, passwordHash, createdAt) = try row.decode((UserID, String, UnixMillis).self)
                return StoredUser(id: id, name: name, passwordHash: passwordHash, createdAt: createdAt)
            }
        }
    }

    public func userExists(_ id: UserID) async throws(MPIMError) -> Bool {
        try await database.run("user lookup", logger: logger) { client in
            try await !client.query("SELECT 1 FROM account WHERE id = \(id)").collect().isEmpty
        }
    }

    public func names(of ids: [UserID]) async throws(MPIMError) -> [UserID: String] {
        try await database.run("look up names", logger: logger) { client in
            var names: [UserID: String] = [:]
            for try await (id, name) in try await client.query(
                "SELECT id, name FROM account WHERE id = ANY(\(ids))"
            ).decode((UserID, String).self) {
                names[id] = name
            }
            return names
        }
    }

    public func addFriendship(_ user: UserID, _ friend: UserID) async throws(MPIMError) {
        try await database.run("add friend", logger: logger) { client in
            let now = UnixMillis.now()
            try await client.query("""
                INSERT INTO friendship (user_id, friend_id, created_at)
                VALUES (\(user), \(friend), \(now)), (\(friend), \(user), \(now))
                ON CONFLICT DO NOTHING
                """)
        }
    }

    public func removeFriendship(_ user: UserID, _ friend: UserID) async throws(MPIMError) {
        try await database.run("remove friend", logger: logger) { client in
            try await client.query("""
                DELETE FROM friendship
                WHERE (user_id = \(user) AND friend_id = \(friend)) OR (user_id = \(friend) AND friend_id = \(user))
                """)
        }
    }

    public func friends(of user: UserID) async throws(MPIMError) -> [UserID] {
        try await database.run("list friends", logger: logger) { client in
            try await client.query(
                "SELECT friend_id FROM friendship WHERE user_id = \(user) ORDER BY friend_id"
            ).decode(UserID.self).collect()
        }
    }
}
