import GRDB
import MPIMCore

extension AppDatabase {
    /// The table /healthz rewrites: shared plumbing, owned by no service.
    public static let healthProbeTableV1: DatabaseSchema.Step = { db in
        try db.create(table: "healthProbe") { t in
            t.primaryKey("id", .integer)
            t.column("checkedAt", .integer).notNull()
        }
    }

    /// Whether a write transaction commits right now (for /healthz).
    public func isWritable() async -> Bool {
        do {
            try await writer.write { db in
                try db.execute(sql: "INSERT OR REPLACE INTO healthProbe (id, checkedAt) VALUES (1, ?)",
                               arguments: [UnixMillis.now()])
            }
            return true
        } catch {
            return false
        }
    }
}
