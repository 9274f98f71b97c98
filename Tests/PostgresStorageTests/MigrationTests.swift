import Logging
import MPIMCore
import PostgresStorage
import Testing
import TestSupport

/// A schema whose every migration creates a table: running one twice fails.
private func schema(_ identifiers: String...) -> PostgresSchema {
    PostgresSchema(identifiers.map { identifier in
        .init(identifier, steps: [
            // Slow enough that two daemons starting together overlap.
            PostgresSchema.statements("SELECT pg_sleep(0.2)", "CREATE TABLE table_\(identifier) (id bigint)")
        ])
    })
}

private func openDatabase(_ url: String, _ schema: PostgresSchema) async throws -> PostgresDatabase {
    try await PostgresDatabase.open(.init(url: url), schema: schema, logger: Logger(label: "test"))
}

/// The migrations the database records.
private func applied(_ database: PostgresDatabase) async throws -> [String] {
    try await database.run("read migrations", logger: Logger(label: "test")) { client in
        try await client.query("SELECT identifier FROM schema_migration ORDER BY identifier").decode(String.self).collect()
    }
}

@Suite("PostgreSQL migrations")
struct MigrationTests {
    @Test("a second open finds the schema up to date and applies nothing")
    func twice() async throws {
        let url = try await PostgresServerProcess.shared().createDatabase()
        let first = try await openDatabase(url, schema("v1", "v2"))
        await first.close()
        let second = try await openDatabase(url, schema("v1", "v2"))
        #expect(try await applied(second) == ["v1", "v2"])
        await second.close()
    }

    @Test("a later build applies only the migrations added since")
    func upgrade() async throws {
        let url = try await PostgresServerProcess.shared().createDatabase()
        try await openDatabase(url, schema("v1")).close()
        let upgraded = try await openDatabase(url, schema("v1", "v2"))
        #expect(try await applied(upgraded) == ["v1", "v2"])
        await upgraded.close()
    }

    @Test("daemons starting together on a new database migrate it once: the others wait, then find it done")
    func concurrently() async throws {
        let url = try await PostgresServerProcess.shared().createDatabase()
        let databases = try await withThrowingTaskGroup(of: PostgresDatabase.self) { group in
            for _ in 0..<4 {
                group.addTask { try await openDatabase(url, schema("v1", "v2")) }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(databases.count == 4)
        #expect(try await applied(databases[0]) == ["v1", "v2"])
        for database in databases { await database.close() }
    }

    @Test("a database migrated by a newer build is refused, untouched, with the unknown migrations named")
    func unknownMigrations() async throws {
        let url = try await PostgresServerProcess.shared().createDatabase()
        try await openDatabase(url, schema("v1", "v2", "v3")).close()
        let error = await #expect(throws: PostgresOpenError.self) { try await openDatabase(url, schema("v1", "v2")) }
        #expect(error?.reason.contains("'v3'") == true, "\(String(describing: error))")
        #expect(error?.reason.contains("newer mpimd") == true)
        let newer = try await openDatabase(url, schema("v1", "v2", "v3"))
        #expect(try await applied(newer) == ["v1", "v2", "v3"])
        await newer.close()
    }
}
