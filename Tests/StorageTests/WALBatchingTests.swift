import Foundation
import GRDB
import GRDBSQLite
import TestSupport
import Testing
@testable import Storage

/// The VFS that joins a commit's log writes (`CSQLiteWALBatching`): what a
/// crash leaves in the files must hold every transaction whose commit
/// returned. The files are copied while the database is still open, which
/// is what a killed process leaves behind, and the copy is opened and read.
@Suite("Log writes joined per commit")
struct WALBatchingTests {
    @Test("the process's SQLite files are opened through the batching VFS")
    func registered() throws {
        _ = try temporaryDatabase()
        let vfs = try #require(sqlite3_vfs_find(nil))
        #expect(String(cString: vfs.pointee.zName) == "mpim-wal-batching")
    }

    @Test("every commit is in the files when it returns, small, larger than the buffer, and after pages spilled and were written again")
    func commitsAreInTheFiles() async throws {
        let (db, path) = try temporaryDatabase()
        // A small writer cache, so a large transaction spills pages to the
        // log before its commit and then writes some of them again.
        try await db.writer.writeWithoutTransaction { try $0.execute(sql: "PRAGMA cache_size = 20") }
        let bigText = String(repeating: "x", count: 1500)
        var expected = 0
        for (round, (rows, text)) in [(1, "a"), (7, "b"), (150, bigText), (1, "c"), (400, bigText), (3, "d")].enumerated() {
            try await db.writer.write { db in
                for _ in 0..<rows {
                    try db.execute(sql: "INSERT INTO note (text) VALUES (?)", arguments: [text])
                }
                if rows > 100 {
                    // Rewrites pages the transaction already spilled to the log.
                    try db.execute(sql: "UPDATE note SET text = text || 'y' WHERE id > (SELECT MAX(id) FROM note) - ?",
                                   arguments: [rows])
                }
            }
            expected += rows
            let copy = try copyOfFiles(at: path, named: "round\(round)")
            let queue = try DatabaseQueue(path: copy)
            let (count, integrity) = try await queue.read { db in
                (try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM note"), try String.fetchOne(db, sql: "PRAGMA integrity_check"))
            }
            #expect(count == expected, "round \(round)")
            #expect(integrity == "ok", "round \(round)")
        }
    }

    /// Copies the database file and its log, as they are on disk now, next to
    /// the original under a new name.
    private func copyOfFiles(at path: String, named name: String) throws -> String {
        let copy = (path as NSString).deletingLastPathComponent + "/\(name).db"
        for suffix in ["", "-wal"] where FileManager.default.fileExists(atPath: path + suffix) {
            try Data(contentsOf: URL(fileURLWithPath: path + suffix)).write(to: URL(fileURLWithPath: copy + suffix))
        }
        return copy
    }
}
