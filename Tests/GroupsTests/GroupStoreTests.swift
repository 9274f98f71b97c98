import Logging
import MPIMCore
import Storage
import Testing
import TestSupport
import Groups
@testable import GroupsPostgres
@testable import GroupsSQLite

/// A group store on a fresh database of `backend` holding the group service's tables only.
func temporaryGroupStore(_ backend: StoreBackend = .sqlite) async throws -> any GroupStore {
    switch backend {
    case .sqlite:
        SQLiteGroupStore(
            database: try AppDatabase.open(.init(path: scratchDatabasePath()), schema: GroupsSQLite.GroupTables.schema),
            logger: Logger(label: "test"))
    case .postgres:
        PostgresGroupStore(
            database: try await temporaryPostgresDatabase(schema: GroupsPostgres.GroupTables.schema),
            logger: Logger(label: "test"))
    }
}

@Suite("Group store")
struct GroupStoreTests {
    @Test("a group starts with its creator; joins are idempotent; leaving reports membership",
          arguments: StoreBackend.allCases)
    func membership(_ backend: StoreBackend) async throws {
        let db = try await temporaryGroupStore(backend)
        let group = try await db.createGroup(name: "team", description: "the core team", creator: 5)
        #expect(try await db.group(group.id) == group)
        #expect(try await db.members(of: group.id) == [5])
        try await db.addMember(9, to: group.id)
        try await db.addMember(9, to: group.id)
        try await db.addMember(7, to: group.id)
        #expect(try await db.members(of: group.id) == [5, 7, 9])
        #expect(try await db.groups(of: 9) == [group.id])
        #expect(try await db.removeMember(9, from: group.id))
        #expect(try await !db.removeMember(9, from: group.id))
        await #expect(throws: MPIMError.noSuchGroup) { try await db.addMember(1, to: group.id + 100) }
        #expect(try await db.group(group.id + 100) == nil)
    }
}
