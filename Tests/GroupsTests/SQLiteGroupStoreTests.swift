import Logging
import MPIMCore
import Storage
import Testing
import TestSupport
import Groups
@testable import GroupsSQLite

/// The group store on a fresh SQLite file holding the group service's tables only.
func temporaryGroupStore() throws -> SQLiteGroupStore {
    SQLiteGroupStore(
        database: try AppDatabase.open(.init(path: scratchDatabasePath()), schema: GroupTables.schema),
        logger: Logger(label: "test"))
}

@Suite("SQLite group store")
struct SQLiteGroupStoreTests {
    @Test("a group starts with its creator; joins are idempotent; leaving reports membership")
    func membership() async throws {
        let db = try temporaryGroupStore()
        let group = try await db.createGroup(name: "team", description: "the core team", creator: 5)
        #expect(try await db.group(group.id)?.description == "the core team")
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
