import GRDB
import TestSupport
import Logging
import MPIMCore
import Messaging
@testable import MessagingSQLite
import Storage

/// The message store on a fresh SQLite file holding messaging's tables
/// only, opened with `configure` applied to the default configuration.
func temporaryStore(_ configure: (inout AppDatabase.Configuration) -> Void = { _ in }) throws
    -> (SQLiteMessageStore, path: String)
{
    var configuration = AppDatabase.Configuration(path: scratchDatabasePath())
    configure(&configuration)
    return (try openStore(configuration), configuration.path)
}

func openStore(_ configuration: AppDatabase.Configuration) throws -> SQLiteMessageStore {
    SQLiteMessageStore(
        database: try AppDatabase.open(configuration, schema: MessageTables.schema), logger: Logger(label: "test"))
}

extension SQLiteMessageStore {
    /// `store` off the test's task: it blocks its thread until the commit.
    func storeMessages(_ batch: [OutgoingMessage], receipts: [MailboxReceipt] = []) async throws
        -> [Result<StoredMessage, MPIMError>]
    {
        try await Task.detached { try self.store(batch, receipts: receipts) }.value
    }

    /// Stores the batch and expects every message to be accepted.
    func storedMessages(_ batch: [OutgoingMessage]) async throws -> [StoredMessage] {
        try await storeMessages(batch).map { try $0.get() }
    }

    /// Records deliveries, as the writer does with a batch.
    func record(_ receipts: [MailboxReceipt]) async throws {
        _ = try await storeMessages([], receipts: receipts)
    }

    /// A group the store was told of: `members` joined it in order, from now.
    func startGroup(_ group: GroupID = 1, members: [UserID]) async throws -> GroupID {
        for member in members {
            try await startMembership(of: member, in: group)
        }
        return group
    }
}
