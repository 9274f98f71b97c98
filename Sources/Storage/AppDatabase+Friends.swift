import GRDB
import MPIMCore

extension AppDatabase {
    /// Makes two users friends both ways; already being friends is fine.
    public func addFriendship(_ user: UserID, _ friend: UserID) async throws {
        try await writer.write { db in
            let now = UnixMillis.now()
            try FriendshipRecord(userID: user, friendID: friend, createdAt: now).insert(db, onConflict: .ignore)
            try FriendshipRecord(userID: friend, friendID: user, createdAt: now).insert(db, onConflict: .ignore)
        }
    }

    /// Ends a friendship both ways; not being friends is fine.
    public func removeFriendship(_ user: UserID, _ friend: UserID) async throws {
        try await writer.write { db in
            try db.execute(
                sql: "DELETE FROM friendship WHERE (userID = ? AND friendID = ?) OR (userID = ? AND friendID = ?)",
                arguments: [user, friend, friend, user])
        }
    }

    /// A user's friends, ascending.
    public func friends(of user: UserID) async throws -> [UserID] {
        try await writer.read { db in
            try UserID.fetchAll(db, sql: "SELECT friendID FROM friendship WHERE userID = ? ORDER BY friendID",
                                arguments: [user])
        }
    }
}
