import Logging
import MPIMCore
import Storage
import Testing
import TestSupport
import Users
@testable import UsersPostgres
@testable import UsersSQLite

/// A user store on a fresh database of `backend` holding the user service's tables only.
func temporaryUserStore(_ backend: StoreBackend = .sqlite) async throws -> any UserStore {
    switch backend {
    case .sqlite:
        SQLiteUserStore(
            database: try AppDatabase.open(.init(path: scratchDatabasePath()), schema: UsersSQLite.UserTables.schema),
            logger: Logger(label: "test"))
    case .postgres:
        PostgresUserStore(
            database: try await temporaryPostgresDatabase(schema: UsersPostgres.UserTables.schema),
            logger: Logger(label: "test"))
    }
}

@Suite("User store")
struct UserStoreTests {
    @Test("a taken username is refused with userExists", arguments: StoreBackend.allCases)
    func uniqueNames(_ backend: StoreBackend) async throws {
        let db = try await temporaryUserStore(backend)
        let alice = try await db.insertUser(name: "alice", passwordHash: "h")
        await #expect(throws: MPIMError.userExists) {
            _ = try await db.insertUser(name: "alice", passwordHash: "other")
        }
        #expect(try await db.user(named: "alice") == alice)
        #expect(try await db.user(named: "bob") == nil)
        #expect(try await db.userExists(alice.id))
        #expect(try await !db.userExists(alice.id + 1000))
    }

    @Test("names are read for the ids that are accounts", arguments: StoreBackend.allCases)
    func names(_ backend: StoreBackend) async throws {
        let db = try await temporaryUserStore(backend)
        let alice = try await db.insertUser(name: "alice", passwordHash: "h")
        let bob = try await db.insertUser(name: "bob", passwordHash: "h")
        #expect(try await db.names(of: [bob.id, alice.id, bob.id + 1000]) == [alice.id: "alice", bob.id: "bob"])
        #expect(try await db.names(of: []) == [:])
    }

    @Test("friendship is stored both ways, idempotent, and removed both ways", arguments: StoreBackend.allCases)
    func friendships(_ backend: StoreBackend) async throws {
        let db = try await temporaryUserStore(backend)
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
