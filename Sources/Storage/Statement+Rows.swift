import GRDB
import GRDBSQLite

extension Statement {
    /// Runs this statement once per row of integer arguments through
    /// SQLite's C API. The mailbox statements run for every recipient of
    /// every message, and binding through `StatementArguments` (a boxed
    /// value per argument) cost more than SQLite's own work for these tiny
    /// rows. Leaves the statement reset, as GRDB expects to find it.
    public func execute(rows: some Sequence<(Int64, Int64, Int64)>, in db: Database) throws {
        let statement = sqliteStatement
        defer { sqlite3_reset(statement) }
        for (first, second, third) in rows {
            sqlite3_reset(statement)
            sqlite3_bind_int64(statement, 1, first)
            sqlite3_bind_int64(statement, 2, second)
            sqlite3_bind_int64(statement, 3, third)
            let code = sqlite3_step(statement)
            guard code == SQLITE_DONE else { throw error(code, db) }
        }
    }
}

extension Statement {
    /// A value bound through SQLite's C API.
    public enum Bound {
        case integer(Int64)
        case null
        case text(String)
    }

    /// Runs this statement once with `values` bound in order, through
    /// SQLite's C API (see `execute(rows:in:)`): the message insert runs for
    /// every message.
    public func execute(_ values: Bound..., in db: Database) throws {
        let statement = sqliteStatement
        sqlite3_reset(statement)
        defer { sqlite3_reset(statement) }
        try bind(values, db)
        let code = sqlite3_step(statement)
        guard code == SQLITE_DONE else { throw error(code, db) }
    }

    /// The first column of the first row as an integer, for integer
    /// arguments, through SQLite's C API; nil when there is no row or the
    /// value is NULL.
    public func firstInteger(_ arguments: Int64..., in db: Database) throws -> Int64? {
        var first: Int64?
        try forEachRow(arguments, in: db) { row in
            first = row.optionalInteger(0)
            return false
        }
        return first
    }

    /// The first two columns of every row as integers, for integer
    /// arguments, through SQLite's C API.
    public func integerPairs(_ arguments: Int64..., in db: Database) throws -> [(Int64, Int64)] {
        try rows(arguments, in: db) { ($0.integer(0), $0.integer(1)) }
    }

    /// Every row, each made by `decode` from its columns, for integer
    /// arguments, through SQLite's C API: HISTORY reads dozens of rows, and
    /// GRDB's `Row` finds each column by its name.
    public func rows<Decoded>(_ arguments: Int64..., in db: Database, _ decode: (ColumnReader) -> Decoded) throws
        -> [Decoded]
    {
        try rows(arguments, in: db, decode)
    }

    private func rows<Decoded>(_ arguments: [Int64], in db: Database, _ decode: (ColumnReader) -> Decoded) throws
        -> [Decoded]
    {
        var rows: [Decoded] = []
        try forEachRow(arguments, in: db) { rows.append(decode($0)); return true }
        return rows
    }

    /// Steps through the rows for integer arguments, through SQLite's C API,
    /// until `body` returns false: for a query whose caller stops early.
    public func forEachRow(_ arguments: Int64..., in db: Database, _ body: (ColumnReader) throws -> Bool) throws {
        try forEachRow(arguments, in: db, body)
    }

    private func forEachRow(_ arguments: [Int64], in db: Database, _ body: (ColumnReader) throws -> Bool) throws {
        let statement = sqliteStatement
        sqlite3_reset(statement)
        defer { sqlite3_reset(statement) }
        try bind(arguments.map { .integer($0) }, db)
        while true {
            switch sqlite3_step(statement) {
            case SQLITE_ROW: guard try body(ColumnReader(statement: statement)) else { return }
            case SQLITE_DONE: return
            case let code: throw error(code, db)
            }
        }
    }

    private func bind(_ values: [Bound], _ db: Database) throws {
        let statement = sqliteStatement
        for (offset, value) in values.enumerated() {
            let index = Int32(offset + 1)
            let code: Int32
            switch value {
            case .integer(let integer): code = sqlite3_bind_int64(statement, index, integer)
            case .null: code = sqlite3_bind_null(statement, index)
            case .text(let text):
                // SQLITE_TRANSIENT: SQLite copies the bytes before this returns.
                var text = text
                code = text.withUTF8 { bytes in
                    sqlite3_bind_text(
                        statement, index, UnsafeRawPointer(bytes.baseAddress).map { $0.assumingMemoryBound(to: CChar.self) },
                        Int32(bytes.count), unsafeBitCast(-1, to: sqlite3_destructor_type.self))
                }
            }
            guard code == SQLITE_OK else { throw error(code, db) }
        }
    }

    private func error(_ code: Int32, _ db: Database) -> DatabaseError {
        DatabaseError(
            resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(db.sqliteConnection)), sql: sql)
    }
}

/// The current row of a statement being stepped, read by column index; only
/// valid inside the `decode` closure it is handed to.
public struct ColumnReader {
    fileprivate let statement: OpaquePointer?

    public func integer(_ column: Int32) -> Int64 {
        sqlite3_column_int64(statement, column)
    }

    /// nil for NULL.
    public func optionalInteger(_ column: Int32) -> Int64? {
        sqlite3_column_type(statement, column) == SQLITE_NULL ? nil : sqlite3_column_int64(statement, column)
    }

    /// The column's bytes as UTF-8, NULs included (`String(cString:)` would
    /// end at the first); "" for NULL.
    public func text(_ column: Int32) -> String {
        guard let bytes = sqlite3_column_blob(statement, column) else { return "" }
        let count = Int(sqlite3_column_bytes(statement, column))
        return String(decoding: UnsafeRawBufferPointer(start: bytes, count: count), as: UTF8.self)
    }
}
