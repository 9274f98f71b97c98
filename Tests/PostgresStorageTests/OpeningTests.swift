import Logging
import MPIMCore
@testable import PostgresStorage
import Testing
import TestSupport

@Suite("Opening a PostgreSQL database")
struct OpeningTests {
    @Test("a URL's parts are read, percent-escapes decoded, the port defaulted")
    func url() throws {
        let full = try PostgresURL("postgres://mpim:p%40ss%3Aword@db.example:6432/chat?sslmode=require")
        #expect(full == PostgresURL.fixture(user: "mpim", password: "p@ss:word", host: "db.example", port: 6432,
                                            database: "chat", sslMode: .require))
        #expect(full.redacted == "postgres://mpim:***@db.example:6432/chat?sslmode=require")
        let plain = try PostgresURL("postgresql://postgres@[::1]/mpim")
        #expect(plain == PostgresURL.fixture(user: "postgres", password: nil, host: "::1", port: 5432, database: "mpim",
                                             sslMode: .disable))
    }

    @Test("a bad URL is refused with its reason", arguments: [
        "mysql://u@h/d", "postgres://h/d", "postgres://u@h", "postgres://u@h:0/d", "postgres://u@h:99999/d",
        "postgres://u@h/d?sslmode=sometimes", "postgres://u@h/d?timeout=1", "postgres://u:%zz@h/d",
    ])
    func badURL(_ url: String) {
        #expect(throws: PostgresURLError.self) { try PostgresURL(url) }
    }

    @Test("an error opening the database names it without the password")
    func errorsHidePassword() async throws {
        let server = try await PostgresServerProcess.shared()
        let url = "postgres://postgres:hunter2@127.0.0.1:\(server.port)/no_such_database"
        let error = await #expect(throws: PostgresOpenError.self) {
            try await PostgresDatabase.open(.init(url: url), schema: PostgresSchema([]), logger: Logger(label: "test"))
        }
        let text = "\(String(describing: error))"
        #expect(text.contains("no_such_database") && text.contains("does not exist"), "\(text)")
        #expect(text.contains("postgres://postgres:***@127.0.0.1"), "\(text)")
        #expect(!text.contains("hunter2"))
    }

    @Test("nothing listening: open fails at once with the connection's error")
    func refused() async throws {
        let port = try freeLoopbackPort()
        let started = ContinuousClock.now
        await #expect(throws: PostgresOpenError.self) {
            try await PostgresDatabase.open(.init(url: "postgres://postgres@127.0.0.1:\(port)/mpim"),
                                            schema: PostgresSchema([]), logger: Logger(label: "test"))
        }
        #expect(ContinuousClock.now - started < .seconds(5))
    }

    @Test("a statement running past the statement timeout fails as store unavailable, in time")
    func statementTimeout() async throws {
        let database = try await temporaryPostgresDatabase(schema: PostgresSchema([])) {
            $0.statementTimeout = .milliseconds(500)
        }
        let started = ContinuousClock.now
        await #expect(throws: MPIMError.internal("store unavailable")) {
            try await database.run("sleep", logger: Logger(label: "test")) { client in
                try await client.query("SELECT pg_sleep(10)").collect().count
            }
        }
        #expect(ContinuousClock.now - started < .seconds(2))
        try await database.healthProbe()
        await database.close()
    }

    @Test("a migration may run past the statement timeout (a large table's index is rebuilt once); calls may not")
    func migrationsOutlastTheStatementTimeout() async throws {
        let slowMigration = PostgresSchema([.init("slow", steps: [PostgresSchema.statements("SELECT pg_sleep(0.8)")])])
        let database = try await temporaryPostgresDatabase(schema: slowMigration) {
            $0.statementTimeout = .milliseconds(300)
        }
        await #expect(throws: MPIMError.internal("store unavailable")) {
            try await database.run("sleep", logger: Logger(label: "test")) { client in
                try await client.query("SELECT pg_sleep(0.8)").collect().count
            }
        }
        await database.close()
    }

    @Test("a call against a stopped server fails as store unavailable within the statement timeout")
    func stoppedServer() async throws {
        let server = try await PostgresServerProcess.start()
        let database = try await PostgresDatabase.open(
            .init(url: try await server.createDatabase(), statementTimeout: .seconds(1)),
            schema: PostgresSchema([]), logger: Logger(label: "test"))
        try await database.healthProbe()
        await server.stop()
        for attempt in 0..<3 {
            // The pool's connection is gone, and no new one can be made; after
            // the first call found that, the next fail at once.
            let started = ContinuousClock.now
            await #expect(throws: MPIMError.internal("store unavailable")) {
                try await database.run("probe", logger: Logger(label: "test")) { client in
                    try await client.query("SELECT 1").collect().count
                }
            }
            let took = ContinuousClock.now - started
            // The first call waits out the caller's timeout (statement + 0.25 s);
            // the bounds leave a loaded CI machine room to schedule.
            #expect(took < (attempt == 0 ? .milliseconds(2250) : .milliseconds(500)), "attempt \(attempt): \(took)")
        }
        await #expect(throws: (any Error).self) { try await database.healthProbe() }
        await database.close()
    }

    @Test("once the server did not answer, calls fail at once; after a moment one call tries, and an answer lets all through")
    func reachability() async throws {
        let reachability = Reachability(retryAfter: .milliseconds(200))
        #expect(reachability.admits())
        #expect(reachability.unreachable())
        #expect(!reachability.admits())
        try await Task.sleep(for: .milliseconds(250))
        #expect(reachability.admits())
        #expect(!reachability.admits(), "one call at a time tries")
        #expect(!reachability.unreachable(), "it was not reachable before")
        try await Task.sleep(for: .milliseconds(250))
        #expect(reachability.admits())
        #expect(reachability.answered())
        #expect(reachability.admits() && reachability.admits())
        #expect(!reachability.answered())
    }
}

extension PostgresURL {
    static func fixture(user: String, password: String?, host: String, port: Int, database: String,
                        sslMode: SSLMode) -> PostgresURL {
        var url = try! PostgresURL("postgres://x@x/x")
        url.user = user
        url.password = password
        url.host = host
        url.port = port
        url.database = database
        url.sslMode = sslMode
        return url
    }
}
