import GRDB

extension Database {
    /// Runs `body` in a write transaction begun and committed through cached
    /// statements (still GRDB's, so it tracks the transaction). GRDB's
    /// `inTransaction` compiles `BEGIN` and `COMMIT` each time, which at
    /// thousands of commits a second showed in the message writer's profile.
    /// Rolls back when `body` or the commit throws.
    public func inCachedTransaction<T>(_ body: () throws -> T) throws -> T {
        try cachedStatement(sql: "BEGIN IMMEDIATE").execute()
        do {
            let result = try body()
            try cachedStatement(sql: "COMMIT").execute()
            return result
        } catch {
            if isInsideTransaction { try? execute(sql: "ROLLBACK") }
            throw error
        }
    }
}
