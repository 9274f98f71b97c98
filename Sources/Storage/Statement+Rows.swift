import GRDB
import GRDBSQLite

extension Statement {
    /// Runs this statement once per row of integer arguments through
    /// SQLite's C API. The mailbox statements run for every recipient of
    /// every message, and binding through `StatementArguments` (a boxed
    /// value per argument) cost more than SQLite's own work for these tiny
    /// rows. Leaves the statement reset, as GRDB expects to find it.
    func execute(rows: some Sequence<(Int64, Int64, Int64)>, in db: Database) throws {
        let statement = sqliteStatement
        defer { sqlite3_reset(statement) }
        for (first, second, third) in rows {
            sqlite3_reset(statement)
            sqlite3_bind_int64(statement, 1, first)
            sqlite3_bind_int64(statement, 2, second)
            sqlite3_bind_int64(statement, 3, third)
            let code = sqlite3_step(statement)
            guard code == SQLITE_DONE else {
                throw DatabaseError(
                    resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(db.sqliteConnection)),
                    sql: sql)
            }
        }
    }
}
