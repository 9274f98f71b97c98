import Foundation
import GRDB
import Synchronization
import Testing
import TestSupport
@testable import Storage

@Suite("Opening the database file")
struct OpeningTests {
    @Test("several daemons opening one new file at once all get it, schema and all")
    func concurrentOpens() async throws {
        for _ in 0..<20 {
            let path = scratchDatabasePath()
            let opened = try await withThrowingTaskGroup(of: Bool.self) { group in
                for _ in 0..<4 {
                    group.addTask {
                        let database = try await AppDatabase.openWhenFree(.init(path: path), schema: noteSchema)
                        return try await database.writer.read { try $0.tableExists("note") }
                    }
                }
                return try await group.reduce(into: [Bool]()) { $0.append($1) }
            }
            #expect(opened == [true, true, true, true])
        }
    }

    @Test("commits sync the log as configured, on the writer and every reader: normal by default, full when asked")
    func synchronous() async throws {
        for (choice, level) in [(AppDatabase.Synchronous.normal, 1), (.full, 2)] {
            let (database, _) = try temporaryDatabase { $0.synchronous = choice }
            let written = try await database.writer.write { try Int.fetchOne($0, sql: "PRAGMA synchronous") }
            let read = try await database.writer.read { try Int.fetchOne($0, sql: "PRAGMA synchronous") }
            #expect(written == level && read == level, "\(choice)")
        }
        let (byDefault, _) = try temporaryDatabase()
        #expect(try await byDefault.writer.read { try Int.fetchOne($0, sql: "PRAGMA synchronous") } == 1)
    }

    @Test("a file locked for longer than the busy timeout is reported, not waited on forever")
    func lockedTooLong() async throws {
        let path = try createdScratchDatabasePath()
        // Another process's lock, held for 1.5 s by a connection of this one.
        let holder = try DatabaseQueue(path: path)
        let locked = Mutex(false)
        let holding = Task {
            try await holder.writeWithoutTransaction { db in
                try db.execute(sql: "CREATE TABLE held (x); BEGIN EXCLUSIVE; INSERT INTO held VALUES (1)")
                locked.withLock { $0 = true }
                usleep(1_500_000)
                try db.execute(sql: "ROLLBACK")
            }
        }
        while !locked.withLock({ $0 }) { try await Task.sleep(for: .milliseconds(10)) }
        let started = ContinuousClock.now
        await #expect(throws: DatabaseError.self) {
            _ = try await AppDatabase.openWhenFree(.init(path: path, busyTimeout: .milliseconds(300)), schema: noteSchema)
        }
        #expect(ContinuousClock.now - started < .seconds(1.4), "gave up after the busy timeout")
        try await holding.value
        // Once free, it opens.
        _ = try await AppDatabase.openWhenFree(.init(path: path, busyTimeout: .milliseconds(300)), schema: noteSchema)
    }

    @Test("a file from a development build before the v1 schema is refused with what to do, and left unchanged")
    func developmentSchema() throws {
        let path = try createdScratchDatabasePath()
        let old = try DatabaseQueue(path: path)
        let steps = ["v1: users, messages, inbox", "v2: friends, groups", "v7: 1:1 history by conversation days"]
        try old.write { db in
            try db.execute(sql: "CREATE TABLE grdb_migrations (identifier TEXT NOT NULL PRIMARY KEY)")
            for step in steps {
                try db.execute(sql: "INSERT INTO grdb_migrations VALUES (?)", arguments: [step])
            }
            try db.execute(sql: "CREATE TABLE user (id INTEGER PRIMARY KEY, name TEXT)")
        }
        #expect(throws: UnknownSchemaError(unknown: steps.sorted(), holdsV1: false)) {
            _ = try AppDatabase.open(.init(path: path), schema: noteSchema)
        }
        let error = #expect(throws: UnknownSchemaError.self) { _ = try AppDatabase.open(.init(path: path), schema: noteSchema) }
        #expect(error?.description.hasPrefix("it was made by a development build of mpimd before the v1 schema") == true)
        #expect(error?.description.hasSuffix("move the file away to start with an empty database") == true)
        let applied = try old.read { try String.fetchAll($0, sql: "SELECT identifier FROM grdb_migrations ORDER BY 1") }
        #expect(applied == steps.sorted())
    }

    @Test("a file with a schema step this build does not know is refused as a newer version's")
    func newerSchema() async throws {
        let path = scratchDatabasePath()
        let database = try AppDatabase.open(.init(path: path), schema: noteSchema)
        try await database.writer.write { try $0.execute(sql: "INSERT INTO grdb_migrations VALUES ('v2: later')") }
        let error = #expect(throws: UnknownSchemaError.self) { _ = try AppDatabase.open(.init(path: path), schema: noteSchema) }
        #expect(error == UnknownSchemaError(unknown: ["v2: later"], holdsV1: true))
        #expect(error?.description.hasPrefix("it was made by a newer mpimd") == true)
    }
}
