import Foundation

/// One folder for this test process's database files, removed when the process exits.
let scratchFolderPath: String = {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("mpim-users-tests-\(getpid())").path
    atexit { try? FileManager.default.removeItem(atPath: scratchFolderPath) }
    return path
}()

/// A fresh path for one test's SQLite file inside the scratch folder.
func scratchDatabasePath() -> String {
    URL(fileURLWithPath: scratchFolderPath).appendingPathComponent(UUID().uuidString).appendingPathComponent("mpim.db").path
}
