import Foundation
import GRDB
import Logging
import Testing
@testable import Storage

@Suite("WALCheckpointer")
struct WALCheckpointerTests {
    @Test("the pace: every 2 ms near the restart size while frames wait to be copied, every 50 ms otherwise")
    func pace() {
        let restart = 200_000
        #expect(WALCheckpointer.pause(logged: 10_000, copied: 9_000, restartPages: restart) == .milliseconds(50))
        #expect(WALCheckpointer.pause(logged: 191_999, copied: 190_000, restartPages: restart) == .milliseconds(50))
        #expect(WALCheckpointer.pause(logged: 192_000, copied: 190_000, restartPages: restart) == .milliseconds(2))
        #expect(WALCheckpointer.pause(logged: 250_000, copied: 249_999, restartPages: restart) == .milliseconds(2))
        #expect(WALCheckpointer.pause(logged: 195_000, copied: 195_000, restartPages: restart) == .milliseconds(50),
                "nothing left to copy")
        // A small log sprints over its last quarter.
        #expect(WALCheckpointer.pause(logged: 74, copied: 70, restartPages: 100) == .milliseconds(50))
        #expect(WALCheckpointer.pause(logged: 75, copied: 70, restartPages: 100) == .milliseconds(2))
    }

    @Test("the log restarts from its start at the configured size")
    func restartSize() async throws {
        func logSize(restartingAt bytes: Int) async throws -> Int {
            let (db, path) = try temporaryDatabase() { $0.walRestartBytes = bytes }
            for index in 0..<400 {
                try await db.addNote("message \(index)")
            }
            let attributes = try FileManager.default.attributesOfItem(atPath: path + "-wal")
            return (attributes[.size] as? Int) ?? 0
        }
        let small = try await logSize(restartingAt: 32 << 10)
        let large = try await logSize(restartingAt: 8 << 20)
        #expect(small < 128 << 10, "a 32 KiB restart size keeps the log near it: \(small) bytes")
        #expect(large > 4 * small, "an 8 MiB restart size lets it grow: \(large) bytes")
    }

    @Test("a running checkpointer copies committed pages back into the database file")
    func copiesBack() async throws {
        let (db, path) = try temporaryDatabase()
        let text = String(repeating: "x", count: 500)
        for _ in 0..<200 {
            try await db.addNote(text)
        }
        func databaseFileSize() throws -> Int {
            try (FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        }
        let before = try databaseFileSize()
        #expect(before < 100 << 10, "200 messages of 500 bytes are still only in the log")
        let checkpointer = Task { try await WALCheckpointer(configuration: .init(path: path), logger: Logger(label: "test")).run() }
        defer { checkpointer.cancel() }
        let deadline = ContinuousClock.now + .seconds(5)
        while try databaseFileSize() < before + (100 << 10), ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(try databaseFileSize() >= before + (100 << 10), "the checkpointer copied the log back")
    }

    @Test("the checkpointer syncs through SQLite's descriptor, so its end leaves the process's locks on the file alone")
    func keepsFileLocks() async throws {
        let (db, path) = try temporaryDatabase() { $0.walRestartBytes = 16 << 10 }
        try await db.addNote("hello")
        let probe = open(path, O_RDWR | O_CLOEXEC)
        try #require(probe >= 0)
        // Closing `probe` drops this process's locks too: only once the checks are done.
        defer { close(probe) }
        #expect(sharedLockHeld(probe), "a connection in WAL mode holds a shared lock on the file")

        let checkpointer = Task { try await WALCheckpointer(configuration: .init(path: path, walRestartBytes: 16 << 10),
                                                            logger: Logger(label: "test")).run() }
        // Past the sprint threshold, so the checkpointer syncs the file as well.
        for index in 0..<200 {
            try await db.addNote("message \(index)")
        }
        try await Task.sleep(for: .milliseconds(200))
        checkpointer.cancel()
        try await checkpointer.value

        #expect(sharedLockHeld(probe), "the checkpointer's end did not drop the writer's lock")
        try await db.addNote("after")
    }

    @Test("syncing the main file works on a file database and fails clearly without one")
    func syncMainFile() async throws {
        let (db, _) = try temporaryDatabase()
        try await db.writer.writeWithoutTransaction { try $0.syncMainFile() }
        let memory = try DatabaseQueue()
        #expect(throws: DatabaseError.self) { try memory.writeWithoutTransaction { try $0.syncMainFile() } }
    }
}

/// Whether any lock of this process covers SQLite's shared-lock bytes of the
/// file, asked through `probe` as an open-file-description lock (which, unlike
/// a classic `F_GETLK`, sees the process's own classic locks as conflicts).
private func sharedLockHeld(_ probe: Int32) -> Bool {
    var query = flock()
    query.l_type = Int16(F_WRLCK)
    query.l_whence = Int16(SEEK_SET)
    query.l_start = 0x4000_0002  // SQLite's PENDING_BYTE + 2: the shared range
    query.l_len = 510
    let ofdGetLock: Int32 = 36  // F_OFD_GETLK on Linux; Swift's Glibc does not export it
    guard fcntl(probe, ofdGetLock, &query) == 0 else { return false }
    return query.l_type != Int16(F_UNLCK)
}
