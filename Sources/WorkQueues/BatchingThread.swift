import Foundation

/// An ordered batching stage on its own OS thread, for blocking work (SQLite
/// writes): items submitted while a batch runs go together into the next one;
/// batches run one at a time in submission order, and completions are called
/// in that order on the thread, before the next batch starts.
///
/// Unlike `BatchingQueue`, a submission costs at most one thread wake-up, and
/// the work and whatever the completions start (pushes, replies) run without
/// hopping through Swift concurrency: the shortest path from a request to its
/// effects at low load. Completions must not block.
///
/// Items that can wait (`enqueueLazily`) do not wake the thread: they go with
/// the next batch, or after `lazyDelay` at the latest, or at a `flush()`.
///
/// The completions can run on a second thread instead (`Completions.ownThread`),
/// still in order: a batch's completions then overlap the next batch's work,
/// at the cost of one thread wake-up per batch. They go there only while
/// there is a next batch to overlap (items waiting) or earlier completions
/// are still there; otherwise they run on the stage's thread, as nothing
/// would run beside them.
public final class BatchingThread<Item: Sendable, Output: Sendable>: Sendable {
    public typealias Operation = @Sendable ([Item]) throws -> [Output]
    public typealias Completion = @Sendable (Result<Output, any Error>) -> Void
    /// Runs a batch's completions (the closure it is given), all of them in
    /// one call: what they start can be held back and started together.
    public typealias CompletionScope = @Sendable (() -> Void) -> Void

    public typealias Completions = BatchCompletions

    private struct Entry: Sendable {
        var item: Item
        var completion: Completion?
        var lazy: Bool
    }

    private struct State: Sendable {
        var queue: [Entry] = []
        /// Queued entries that want the thread now.
        var urgent = 0
        /// When the oldest waiting lazy entry was queued.
        var lazySince: ContinuousClock.Instant?
        /// The thread sleeps with no deadline: a first lazy entry must wake it to set one.
        var idle = false
        var stopping = false
        var flushes = FlushWaiters()
        /// Batches whose completions were handed to the completer thread and
        /// have not finished.
        var handedOff = 0
    }

    private let state = ConditionLock(State())

    /// Starts the thread.
    /// - Parameters:
    ///   - name: the thread's name, as `top -H` and profilers show it.
    ///   - maxBatch: the most items passed to one call of `operation`.
    ///   - lazyDelay: the longest a lazily enqueued item waits for company.
    ///   - operation: processes a batch and returns one output per item, in order.
    ///   - completions: where completions run.
    ///   - completionScope: what each batch's completions run inside.
    public init(name: String, maxBatch: Int = 512, lazyDelay: Duration = .milliseconds(25),
                completions: Completions = .inline, completionScope: CompletionScope? = nil,
                operation: @escaping Operation) {
        let completer: SerialThread? = switch completions {
        case .inline: nil
        case .ownThread(let name): SerialThread(name: name)
        }
        let thread = Thread { [state] in
            nameCurrentThread(name)
            Self.run(state, maxBatch: maxBatch, lazyDelay: lazyDelay, completer: completer,
                     completionScope: completionScope ?? { $0() }, operation: operation)
            completer?.stop()
        }
        thread.start()
    }

    deinit {
        stop()
    }

    /// Adds the item to the next batch and returns at once; `completion` is
    /// called on the thread with its output, in submission order.
    public func submit(_ item: Item, completion: @escaping Completion) {
        add(Entry(item: item, completion: completion, lazy: false))
    }

    /// Adds the item to the next batch without waiting for it.
    public func enqueue(_ item: Item) {
        add(Entry(item: item, completion: nil, lazy: false))
    }

    /// Adds the item to a later batch without waking the thread for it.
    public func enqueueLazily(_ item: Item) {
        add(Entry(item: item, completion: nil, lazy: true))
    }

    /// Returns once every item enqueued before this call has been processed
    /// (or failed); lazy ones are processed now.
    public func flush() async {
        await withCheckedContinuation { continuation in
            let waiting = state.withLockAndWake { $0.flushes.wait(continuation) }
            if !waiting { continuation.resume() }
        }
    }

    /// Lets the thread end once it has processed what is queued; later
    /// submissions fail at once.
    public func stop() {
        state.withLockAndWake { $0.stopping = true }
    }

    private func add(_ entry: Entry) {
        let accepted: Bool
        if entry.lazy {
            let wake: Bool
            (accepted, wake) = state.withLock { state -> (Bool, Bool) in
                guard !state.stopping else { return (false, false) }
                state.queue.append(entry)
                state.flushes.itemQueued()
                guard state.lazySince == nil else { return (true, false) }
                state.lazySince = .now
                return (true, state.idle)
            }
            // Woken only to start the lazy deadline: once per quiet period.
            if wake { state.withLockAndWake { _ in } }
        } else {
            accepted = state.withLockAndWake { state -> Bool in
                guard !state.stopping else { return false }
                state.queue.append(entry)
                state.flushes.itemQueued()
                state.urgent += 1
                return true
            }
        }
        if !accepted {
            entry.completion?(.failure(BatchingThreadStopped()))
        }
    }

    private static func run(
        _ state: ConditionLock<State>, maxBatch: Int, lazyDelay: Duration, completer: SerialThread?,
        completionScope: @escaping CompletionScope, operation: Operation
    ) {
        while true {
            // Empty only once stopping and drained: the thread ends.
            let batch = state.wait { state -> ConditionLock<State>.WaitStep<[Entry]> in
                guard !state.queue.isEmpty else {
                    if state.stopping { return .done([]) }
                    state.idle = true
                    return .sleep(until: nil)
                }
                state.idle = false
                let due = state.lazySince.map { $0 + lazyDelay }
                let now = ContinuousClock.now
                guard state.urgent > 0 || state.stopping || !state.flushes.isEmpty || due.map({ now >= $0 }) == true
                else { return .sleep(until: due) }
                let count = min(maxBatch, state.queue.count)
                let batch = Array(state.queue.prefix(count))
                state.queue.removeFirst(count)
                state.urgent -= batch.count(where: { !$0.lazy })
                state.lazySince = state.queue.contains { $0.lazy } ? now : nil
                return .done(batch)
            }
            guard !batch.isEmpty else { return }
            let outcome = Result { try operation(batch.map { $0.item }) }
            if case .success(let outputs) = outcome {
                precondition(outputs.count == batch.count, "BatchingThread operation must return one output per item")
            }
            // This thread is the completer's only source, so once nothing is
            // handed off, running here keeps the order.
            let handOff = completer != nil && state.withLock { state in
                guard state.urgent > 0 || state.handedOff > 0 else { return false }
                state.handedOff += 1
                return true
            }
            let complete: @Sendable () -> Void = {
                completionScope {
                    for (index, entry) in batch.enumerated() {
                        guard let completion = entry.completion else { continue }
                        completion(outcome.map { $0[index] })
                    }
                }
                let released = state.withLock { state in
                    if handOff { state.handedOff -= 1 }
                    return state.flushes.finish(batch.count)
                }
                released.forEach { $0.resume() }
            }
            if handOff, let completer { completer.run(complete) } else { complete() }
        }
    }
}

/// A submission to a `BatchingThread` that was stopped.
public struct BatchingThreadStopped: Error, CustomStringConvertible {
    public var description: String { "batching thread stopped" }
}
