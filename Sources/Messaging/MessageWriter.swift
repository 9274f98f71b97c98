import Logging
import MPIMCore
import WorkQueues

/// The one queue of message writes: new messages and delivery receipts share
/// group-committed transactions, in the order they were queued. A batch's
/// receipts move each recipient's delivery cursor once, so riding along with
/// the next batch of messages costs them little.
///
/// The writes run on the writer's own thread, which the store blocks; a
/// batch's completions run in order on a second one (`mpim-completer`) while
/// more messages wait for the writer's next batch, else on the writer's
/// thread (a thread wake-up less when nothing would overlap them): a
/// committed message is answered and pushed from there, with no hop through
/// Swift concurrency in between.
/// Before a batch's transaction, its messages to recipients not known yet are
/// checked with the services that own them (`RecipientDirectory`).
///
/// A store that waits on a server (PostgreSQL) records receipts on a thread
/// of their own (`mpim-receipts`): they never wait on what batches of
/// messages lock, and riding along they would lengthen every batch. Its
/// batches of messages need no writer thread either (`RoundTripMessageStore`):
/// the event loop that reads one batch's answer sends the next at once, and
/// hands the answered batch's completions to `mpim-completer`: two thread
/// wake-ups fewer per batch than a writer thread waiting on each answer, and
/// the completions stay off that loop, which also serves clients.
public final class MessageWriter: Sendable {
    enum Write: Sendable {
        case store(OutgoingMessage)
        /// The receipts of one connection write.
        case receipts([MailboxReceipt])
    }

    typealias Outcome = Result<StoredMessage, MPIMError>

    /// Where messages queue: a writer thread the store blocks, or, for a
    /// store that is a round trip to a server, no thread at all.
    private enum Messages: Sendable {
        /// Output per write: the message's outcome, nil for a receipt.
        case thread(BatchingThread<Write, Outcome?>)
        case roundTrips(RoundTripBatcher<OutgoingMessage, Outcome>, directory: SerialThread)
    }

    private let messages: Messages
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
        if let store = store as? any RoundTripMessageStore, store.recordsReceiptsApart {
            messages = Self.roundTrips(store, directory: directory, logger: logger, maxBatch: maxBatch,
                                       completionScope: completionScope)
        } else {
            messages = .thread(Self.thread(store, directory: directory, logger: logger, maxBatch: maxBatch,
                                           completionScope: completionScope))
        }
    }

    /// The writer thread: each batch's messages and receipts in one `store`
    /// call; completions on `mpim-completer` while more waits.
    private static func thread(
        _ store: any MessageStore, directory: RecipientDirectory, logger: Logger, maxBatch: Int,
        completionScope: (@Sendable (() -> Void) -> Void)?
    ) -> BatchingThread<Write, Outcome?> {
        BatchingThread(
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
            let started = ContinuousClock.now
            defer { MessagingMetrics.storeWrite.record(duration: .now - started) }
            let stored: [Outcome]
            do {
                stored = try store.store(accepted(messages, refusals), receipts: receipts)
            } catch {
                logFailure(error, messages: messages.count, receipts: receipts.count, logger: logger)
                throw error
            }
            var outcomes = merge(stored, refusals, count: messages.count).makeIterator()
            return writes.map { write in
                if case .store = write { return outcomes.next() }
                return nil
            }
        }
    }

    /// Round trips with no writer thread: a batch is sent from the thread
    /// that submits to an idle writer, or that reads the answer to the batch
    /// before; completions run in order on `mpim-completer`. A batch with
    /// recipients not known yet is checked on `mpim-directory` first, which
    /// may block while it asks.
    private static func roundTrips(
        _ store: any RoundTripMessageStore, directory: RecipientDirectory, logger: Logger, maxBatch: Int,
        completionScope: (@Sendable (() -> Void) -> Void)?
    ) -> Messages {
        let asking = SerialThread(name: "mpim-directory")
        let batcher = RoundTripBatcher<OutgoingMessage, Outcome>(
            maxBatch: maxBatch, completions: .ownThread("mpim-completer"), completionScope: completionScope
        ) { messages, answer in
            let start: @Sendable ([Int: MPIMError]) -> Void = { refusals in
                let accepted = accepted(messages, refusals)
                guard !accepted.isEmpty else { return answer(.success(merge([], refusals, count: messages.count))) }
                let started = ContinuousClock.now
                store.startStore(accepted) { stored in
                    MessagingMetrics.storeWrite.record(duration: .now - started)
                    if case .failure(let error) = stored {
                        logFailure(error, messages: messages.count, receipts: 0, logger: logger)
                    }
                    answer(stored.map { merge($0, refusals, count: messages.count) })
                }
            }
            if directory.knowsEveryRecipient(of: messages) {
                start([:])
            } else {
                asking.run { start(directory.refusals(for: messages)) }
            }
        }
        return .roundTrips(batcher, directory: asking)
    }

    /// The messages without a refusal.
    private static func accepted(_ messages: [OutgoingMessage], _ refusals: [Int: MPIMError]) -> [OutgoingMessage] {
        refusals.isEmpty ? messages : messages.indices.compactMap { refusals[$0] == nil ? messages[$0] : nil }
    }

    /// Each message's outcome: its refusal, or the next of the accepted ones' outcomes.
    private static func merge(_ stored: [Outcome], _ refusals: [Int: MPIMError], count: Int) -> [Outcome] {
        guard !refusals.isEmpty else { return stored }
        var next = stored.makeIterator()
        return (0..<count).map { index in refusals[index].map { .failure($0) } ?? next.next()! }
    }

    /// Senders get -ERR; unrecorded receipts leave their rows owed, so those
    /// messages are pulled once more rather than lost.
    private static func logFailure(_ error: any Error, messages: Int, receipts: Int, logger: Logger) {
        logger.error("mailbox write failed", metadata: [
            "messages": "\(messages)", "receipts": "\(receipts)", "error": "\(error)",
        ])
    }

    /// Queues a message; `completion` gets its outcome on the writer's thread
    /// (or its completer's) once its batch is committed, in the order
    /// messages were queued. It must not block.
    func store(_ message: OutgoingMessage, completion: @escaping @Sendable (Result<StoredMessage, MPIMError>) -> Void) {
        switch messages {
        case .thread(let thread):
            thread.submit(.store(message)) { result in
                switch result {
                case .success(let outcome?): completion(outcome)
                case .success(nil), .failure: completion(.failure(.internal("store unavailable")))
                }
            }
        case .roundTrips(let batcher, _):
            batcher.submit(message) { result in
                switch result {
                case .success(let outcome): completion(outcome)
                case .failure: completion(.failure(.internal("store unavailable")))
                }
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
        } else if case .thread(let thread) = messages {
            thread.enqueueLazily(.receipts(receipts))
        }
    }

    /// Waits until everything queued so far is written.
    func flush() async {
        switch messages {
        case .thread(let thread): await thread.flush()
        case .roundTrips(let batcher, _): await batcher.flush()
        }
        await receipts?.flush()
    }

    /// Writes what is queued, then ends the writer's threads; later writes fail.
    public func close() async {
        await flush()
        switch messages {
        case .thread(let thread): thread.stop()
        case .roundTrips(let batcher, let directory):
            batcher.stop()
            directory.stop()
        }
        receipts?.stop()
    }
}
