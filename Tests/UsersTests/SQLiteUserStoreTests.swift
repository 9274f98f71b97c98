import Logging
import MPIMCore
import Storage
import Testing
import TestSupport
import Users
@testable import UsersSQLite

/// The user store on a fresh SQLite file holding the user service's tables only.
func temporaryUserStore() throws -> SQLiteUserStore {
    SQLiteUserStore(
        database: try AppDatabase.open(.init(path: scratchDatabasePath()), schema: UserTables.schema),
        logger: Logger(label: "test"))
}

@Suite("SQLite user store")
struct SQLiteUserStoreTests {
    @Test("a taken username is refused with userExists")
    func uniqueNames() async throws {
        let db = try temporaryUserStore()
        let alice = try await db.insertUser(name: "alice", passwordHash: "h")
        await #expect(throws: MPIMError.userExists) {
            _ = try await db.insertUser(name: "alice", passwordHash: "other")
        }
        #expect(try await db.user(named: "alice") == alice)
        #expect(try await db.user(named: "bob") == nil)
        #expect(try await db.userExists(alice.id))
        #expect(try await !db.userExists(alice.id + 1000))
    }

    @Test("friendship is stored both ways, idempotent, and removed both ways")
    func friendships() async throws {
        let db = try temporaryUserStore()
        try await db.addFriendship(1, 2)
        try await db.addFriendship(1, 2)
        try await db.addFriendship(3, 1)
        #expect(try await db.friends(of: 1) == [2, 3])
        #expect(try await db.friends(of: 2) == [1])
        try await db.removeFriendship(2, 1)
        #expect(try await db.friends(of: 1) == [3])
        #expect(try await db.friends(of: 2) == [])
    }
}
