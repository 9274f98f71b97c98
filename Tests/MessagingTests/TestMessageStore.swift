import Foundation
import GRDB
import TestSupport
import Logging
import MPIMCore
import Messaging
@testable import MessagingPostgres
@testable import MessagingSQLite
import PostgresStorage
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
        database: try AppDatabase.open(configuration, schema: MessagingSQLite.MessageTables.schema),
        logger: Logger(label: "test"))
}

/// A message store on a fresh database of `backend` holding messaging's
/// tables only, and a way to open that database again (as a restarted
/// daemon, or another daemon of the cluster, would).
func temporaryStore(_ backend: StoreBackend) async throws
    -> (any MessageStore, reopen: @Sendable () async throws -> any MessageStore)
{
    switch backend {
    case .sqlite:
        let (store, path) = try temporaryStore()
        return (store, { try openStore(.init(path: path)) })
    case .postgres:
        let url = try await PostgresServerProcess.shared().createDatabase()
        let open: @Sendable () async throws -> any MessageStore = {
            PostgresMessageStore(
                database: try await PostgresDatabase.open(
                    .init(url: url), schema: MessagingPostgres.MessageTables.schema, logger: Logger(label: "test")),
                logger: Logger(label: "test"))
        }
        return (try await open(), open)
    }
}

extension MessageStore {
    /// `store` on a thread of its own, as the message writer calls it: it
    /// blocks its thread until the commit. Never on a thread of Swift
    /// concurrency's pool: the PostgreSQL store's query runs there, and
    /// blocked threads of a small pool would leave it none.
    func storeMessages(_ batch: [OutgoingMessage], receipts: [MailboxReceipt] = []) async throws
        -> [Result<StoredMessage, MPIMError>]
    {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(with: Result { try self.store(batch, receipts: receipts) })
            }
        }
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
