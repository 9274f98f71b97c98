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

extension Statement {
    /// The first column of the first row as an integer, for two integer
    /// arguments, through SQLite's C API (see `execute(rows:in:)`); nil when
    /// there is no row or the value is NULL.
    func firstInteger(_ first: Int64, _ second: Int64, in db: Database) throws -> Int64? {
        let statement = sqliteStatement
        sqlite3_reset(statement)
        defer { sqlite3_reset(statement) }
        sqlite3_bind_int64(statement, 1, first)
        sqlite3_bind_int64(statement, 2, second)
        switch sqlite3_step(statement) {
        case SQLITE_ROW:
            return sqlite3_column_type(statement, 0) == SQLITE_NULL ? nil : sqlite3_column_int64(statement, 0)
        case SQLITE_DONE:
            return nil
        case let code:
            throw DatabaseError(
                resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(db.sqliteConnection)),
                sql: sql)
        }
    }
}
