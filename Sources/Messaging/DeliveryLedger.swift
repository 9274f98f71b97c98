import Logging
import MPIMCore
import Storage

/// Records pushes that reached a session by removing their inbox rows, in
/// group-committed batches off the push path.
///
/// A PULL first `flush()`es, so a message pushed to a session before that
/// session's PULL is never returned by it.
public final class DeliveryLedger: DeliveryReceipts {
    private struct Entry: Sendable {
        var user: UserID
        var message: MessageID
    }

    private let removals: GroupCommit<Entry, Void>

    public init(database: AppDatabase, logger: Logger) {
        removals = GroupCommit(maxBatch: 1024) { entries in
            do {
                try await database.removeFromInbox(entries.map { ($0.user, $0.message) })
            } catch {
                // The rows stay: those messages are pulled once more rather than lost.
                logger.error("could not record deliveries", metadata: [
                    "count": "\(entries.count)", "error": "\(error)",
                ])
            }
            return entries.map { _ in () }
        }
    }

    public func pushed(_ message: MessageID, to user: UserID) {
        removals.enqueue(Entry(user: user, message: message))
    }

    /// Waits until every delivery recorded so far is written.
    public func flush() async {
        await removals.flush()
    }
}
