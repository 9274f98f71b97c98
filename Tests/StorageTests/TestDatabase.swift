import GRDB
import TestSupport
@testable import Storage

/// A schema of one table of notes (and the health probe), for tests of the
/// plumbing under every service's store.
let noteSchema = DatabaseSchema([
    .init("v1", steps: [
        { db in try db.execute(sql: "CREATE TABLE note (id INTEGER PRIMARY KEY AUTOINCREMENT, text TEXT NOT NULL)") },
        AppDatabase.healthProbeTableV1,
    ]),
])

/// A real SQLite file in a fresh temporary folder with `noteSchema`, opened
/// with `configure` applied to the default configuration.
func temporaryDatabase(_ configure: (inout AppDatabase.Configuration) -> Void = { _ in }) throws
    -> (AppDatabase, path: String)
{
    var configuration = AppDatabase.Configuration(path: scratchDatabasePath())
    configure(&configuration)
    return (try AppDatabase.open(configuration, schema: noteSchema), configuration.path)
}

extension AppDatabase {
    /// Writes a note in a transaction of its own.
    func addNote(_ text: String) async throws {
        try await writer.write { try $0.execute(sql: "INSERT INTO note (text) VALUES (?)", arguments: [text]) }
    }
}
