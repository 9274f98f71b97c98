import Foundation

/// One folder for this test process's database files, removed when the process exits.
let scratchFolderPath: String = {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("mpim-store-tests-\(getpid())").path
    atexit { try? FileManager.default.removeItem(atPath: scratchFolderPath) }
    return path
}()

/// A fresh path for one test's SQLite file inside the scratch folder.
public func scratchDatabasePath() -> String {
    URL(fileURLWithPath: scratchFolderPath).appendingPathComponent(UUID().uuidString).appendingPathComponent("mpim.db").path
}

/// A fresh path as above whose folder exists, for opening the file with GRDB
/// directly (`AppDatabase.open` creates the folder itself).
public func createdScratchDatabasePath() throws -> String {
    let path = scratchDatabasePath()
    try FileManager.default.createDirectory(
        atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
    return path
}
