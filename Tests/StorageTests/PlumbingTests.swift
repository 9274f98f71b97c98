import GRDB
import Testing
@testable import Storage

@Suite("Database plumbing")
struct PlumbingTests {
    @Test("a cached write transaction commits its body, and rolls it all back when the body throws")
    func cachedTransaction() async throws {
        struct Refused: Error {}
        let (db, _) = try temporaryDatabase()
        let count = "SELECT COUNT(*) FROM note"
        let insert = "INSERT INTO note (text) VALUES ('x')"
        let refused = try await db.writer.writeWithoutTransaction { db in
            let outcome = Result {
                try db.inCachedTransaction {
                    try db.execute(sql: insert)
                    throw Refused()
                }
            }
            return (outcome, db.isInsideTransaction, try Int.fetchOne(db, sql: count))
        }
        #expect(throws: Refused.self) { try refused.0.get() }
        #expect(refused.1 == false, "rolled back")
        #expect(refused.2 == 0)
        // The cached BEGIN and COMMIT run again after a rollback.
        let committed = try await db.writer.writeWithoutTransaction { db in
            try db.inCachedTransaction { try db.execute(sql: insert) }
            return db.isInsideTransaction
        }
        #expect(committed == false)
        #expect(try await db.writer.read { try Int.fetchOne($0, sql: count) } == 1)
    }

    @Test("the health probe is a write that commits")
    func healthProbe() async throws {
        let (db, _) = try temporaryDatabase()
        #expect(await db.isWritable())
        let probes = try await db.writer.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM healthProbe") }
        #expect(probes == 1)
    }
}
