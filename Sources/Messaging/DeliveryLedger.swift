import Logging
import MPIMCore
import Storage

/// Records pushes that reached a session — as delivered, or as awaiting an
/// ack for a session in ack mode — in group-committed batches off the push path.
///
/// A PULL first `flush()`es, so a message pushed to a session before that
/// session's PULL is never returned by it.
public final class DeliveryLedger: DeliveryReceipts {
    private struct Entry: Sendable {
        var user: UserID
        var message: MessageID
        var state: MailboxState
    }

    private let updates: GroupCommit<Entry, Void>

    public init(database: AppDatabase, logger: Logger) {
        updates = GroupCommit(maxBatch: 1024) { entries in
            do {
                // Awaiting-ack first: a later "delivered" for the same row must win.
                for state in [MailboxState.awaitingAck, .delivered] {
                    try await database.advance(
                        entries.filter { $0.state == state }.map { ($0.user, $0.message) }, to: state)
                }
            } catch {
                // The rows stay owed: those messages are pulled once more rather than lost.
                logger.error("could not record deliveries", metadata: [
                    "count": "\(entries.count)", "error": "\(error)",
                ])
            }
            return entries.map { _ in () }
        }
    }

    public func pushed(_ message: MessageID, to user: UserID, awaitingAck: Bool) {
        updates.enqueue(Entry(user: user, message: message, state: awaitingAck ? .awaitingAck : .delivered))
    }

    /// Waits until every delivery recorded so far is written.
    public func flush() async {
        await updates.flush()
    }
}
