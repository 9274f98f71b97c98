import GRDB
import GRDBSQLite

extension Database {
    /// Syncs the main database file through SQLite's own descriptor.
    ///
    /// A second descriptor opened for this would be a trap: closing it drops
    /// every POSIX lock this process holds on the file, SQLite's included, and
    /// another process on the same file could then decide it is the last one.
    func syncMainFile() throws {
        var file: UnsafeMutablePointer<sqlite3_file>?
        let found = sqlite3_file_control(sqliteConnection, "main", SQLITE_FCNTL_FILE_POINTER, &file)
        guard found == SQLITE_OK, let file, let sync = file.pointee.pMethods?.pointee.xSync else {
            throw DatabaseError(resultCode: .SQLITE_MISUSE, message: "no main database file to sync")
        }
        let synced = sync(file, SQLITE_SYNC_NORMAL | SQLITE_SYNC_DATAONLY)
        guard synced == SQLITE_OK else { throw DatabaseError(resultCode: ResultCode(rawValue: synced)) }
    }
}
