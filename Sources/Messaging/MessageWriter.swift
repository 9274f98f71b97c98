import Logging
import MPIMCore
import WorkQueues

/// The one queue of message writes: new messages and delivery receipts share
/// group-committed transactions, in the order they were queued. A batch's
/// receipts move each recipient's delivery cursor once, so riding along with
/// the next batch of messages costs them little.
///
/// The writes run on the writer's own thread, which the store blocks; each
/// batch's completions run in order on a second one (`mpim-completer`) while
/// the writer goes on with the next batch: a committed message is answered
/// and pushed from there, with no hop through Swift concurrency in between.
/// Before a batch's transaction, its messages to recipients not known yet are
/// checked with the services that own them (`RecipientDirectory`).
///
/// A store that waits on a server (PostgreSQL) records receipts on a thread
/// of their own (`mpim-receipts`): they never wait on what batches of
/// messages lock, and riding along they would lengthen every batch.
public final class MessageWriter: Sendable {
    enum Write: Sendable {
        case store(OutgoingMessage)
        /// The receipts of one connection write.
        case receipts([MailboxReceipt])
    }

    /// Output per write: the message's outcome, nil for a receipt.
    private let queue: BatchingThread<Write, Result<StoredMessage, MPIMError>?>
    /// Receipts, when the store records them apart from messages.
    private let receipts: BatchingThread<[MailboxReceipt], Void>?

    /// - Parameter completionScope: what each batch's completions (pushes,
    ///   replies) run inside; the gateway's holds their writes to connections
    ///   back until the batch is done.
    public init(store: any MessageStore, directory: RecipientDirectory, logger: Logger, maxBatch: Int = 4096,
                completionScope: (@Sendable (() -> Void) -> Void)? = nil) {
        receipts = store.recordsReceiptsApart
            ? BatchingThread(name: "mpim-receipts", maxBatch: maxBatch) { writes in
                let receipts = writes.flatMap { $0 }
                do {
                    _ = try store.store([], receipts: receipts)
                } catch {
                    logger.error("receipt write failed", metadata: [
                        "receipts": "\(receipts.count)", "error": "\(error)",
                    ])
                    throw error
                }
                return writes.map { _ in () }
            }
            : nil
        queue = BatchingThread(
            name: "mpim-writer", maxBatch: maxBatch, completions: .ownThread("mpim-completer"),
            completionScope: completionScope
        ) { writes in
            var messages: [OutgoingMessage] = []
            var receipts: [MailboxReceipt] = []
            for write in writes {
                switch write {
                case .store(let message): messages.append(message)
                case .receipts(let written): receipts.append(contentsOf: written)
                }
            }
            let refusals = directory.refusals(for: messages)
            let accepted = refusals.isEmpty ? messages : messages.indices.compactMap { refusals[$0] == nil ? messages[$0] : nil }
            let started = ContinuousClock.now
            defer { MessagingMetrics.storeWrite.record(duration: .now - started) }
            let stored: [Result<StoredMessage, MPIMError>]
            do {
                stored = try store.store(accepted, receipts: receipts)
            } catch {
                // Senders get -ERR; unrecorded receipts leave their rows owed,
                // so those messages are pulled once more rather than lost.
                logger.error("mailbox write failed", metadata: [
                    "messages": "\(messages.count)", "receipts": "\(receipts.count)", "error": "\(error)",
                ])
                throw error
            }
            var next = stored.makeIterator()
            var outcomes = messages.indices.map { index -> Result<StoredMessage, MPIMError> in
                refusals[index].map { .failure($0) } ?? next.next()!
            }.makeIterator()
            return writes.map { write in
                if case .store = write { return outcomes.next() }
                return nil
            }
        }
    }

    /// Queues a message; `completion` gets its outcome on the writer's thread
    /// (or its completer's) once its batch is committed, in the order
    /// messages were queued. It must not block.
    func store(_ message: OutgoingMessage, completion: @escaping @Sendable (Result<StoredMessage, MPIMError>) -> Void) {
        queue.submit(.store(message)) { result in
            switch result {
            case .success(let outcome?): completion(outcome)
            case .success(nil), .failure: completion(.failure(.internal("store unavailable")))
            }
        }
    }

    /// Queues receipts (those of one connection write: one queue entry) for
    /// a later batch: the next batch of messages (on the receipts' own
    /// thread: of receipts), or within 25 ms, or at the next `flush()` (a
    /// PULL or ACK), whichever comes first. A receipt lost in a crash only
    /// means the message is pulled once more.
    func record(_ receipts: [MailboxReceipt]) {
        guard !receipts.isEmpty else { return }
        if let thread = self.receipts {
            thread.enqueueLazily(receipts)
        } else {
            queue.enqueueLazily(.receipts(receipts))
        }
    }

    /// Waits until everything queued so far is written.
    func flush() async {
        await queue.flush()
        await receipts?.flush()
    }

    /// Writes what is queued, then ends the writer's threads; later writes fail.
    public func close() async {
        await flush()
        queue.stop()
        receipts?.stop()
    }
}
