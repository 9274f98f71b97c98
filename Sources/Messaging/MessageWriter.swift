import Logging
import MPIMCore
import Storage

/// The one queue of mailbox writes: new messages and delivery receipts share
/// group-committed transactions, in the order they were queued. Receipts
/// touch the mailbox pages the messages just dirtied, so riding along with the
/// next batch of messages costs them almost nothing.
public final class MessageWriter: Sendable {
    enum Write: Sendable {
        case store(OutgoingMessage)
        case receipt(MailboxReceipt)
    }

    /// Output per write: the message's outcome, nil for a receipt.
    private let queue: GroupCommit<Write, Result<StoredMessage, MPIMError>?>

    public init(database: AppDatabase, logger: Logger, maxBatch: Int = 1024) {
        queue = GroupCommit(maxBatch: maxBatch) { writes in
            var messages: [OutgoingMessage] = []
            var receipts: [MailboxReceipt] = []
            for write in writes {
                switch write {
                case .store(let message): messages.append(message)
                case .receipt(let receipt): receipts.append(receipt)
                }
            }
            let started = ContinuousClock.now
            defer { MessagingMetrics.sqliteWrite.record(duration: .now - started) }
            let outcomes: [Result<StoredMessage, MPIMError>]
            do {
                outcomes = try await database.storeMessages(messages, receipts: receipts)
            } catch {
                // Senders get -ERR; unrecorded receipts leave their rows owed,
                // so those messages are pulled once more rather than lost.
                logger.error("mailbox write failed", metadata: [
                    "messages": "\(messages.count)", "receipts": "\(receipts.count)", "error": "\(error)",
                ])
                throw error
            }
            var next = outcomes.makeIterator()
            return writes.map { write in
                if case .store = write { return next.next() }
                return nil
            }
        }
    }

    /// Queues a message; `completion` gets its outcome once its batch is
    /// committed, in the order messages were queued.
    func store(_ message: OutgoingMessage, completion: @escaping @Sendable (Result<StoredMessage, MPIMError>) -> Void) {
        queue.submit(.store(message)) { result in
            switch result {
            case .success(let outcome?): completion(outcome)
            case .success(nil), .failure: completion(.failure(.internal("store unavailable")))
            }
        }
    }

    /// Queues a receipt for the next batch.
    func record(_ receipt: MailboxReceipt) {
        queue.enqueue(.receipt(receipt))
    }

    /// Waits until everything queued so far is written.
    func flush() async {
        await queue.flush()
    }
}
