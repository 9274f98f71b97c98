import GRDB
import MPIMCore
import Storage
import Users

extension SQLiteUserStore {
    public func addFriendship(_ user: UserID, _ friend: UserID) async throws(MPIMError) {
        try await database.run("add friend", logger: logger) { database in
            try await database.writer.write { db in
                let now = UnixMillis.now()
                try FriendshipRecord(userID: user, friendID: friend, createdAt: now).insert(db, onConflict: .ignore)
                try FriendshipRecord(userID: friend, friendID: user, createdAt: now).insert(db, onConflict: .ignore)
            }
        }
    }

    public func removeFriendship(_ user: UserID, _ friend: UserID) async throws(MPIMError) {
        try await database.run("remove friend", logger: logger) { database in
            try await database.writer.write { db in
                try db.execute(
                    sql: "DELETE FROM friendship WHERE (userID = ? AND friendID = ?) OR (userID = ? AND friendID = ?)",
                    arguments: [user, friend, friend, user])
            }
        }
    }

    public func friends(of user: UserID) async throws(MPIMError) -> [UserID] {
        try await database.run("list friends", logger: logger) { database in
            try await database.writer.read { db in
                try UserID.fetchAll(db, sql: "SELECT friendID FROM friendship WHERE userID = ? ORDER BY friendID",
                                    arguments: [user])
            }
        }
    }
}
