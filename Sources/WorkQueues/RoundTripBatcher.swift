import Synchronization

/// An ordered batching stage with no thread of its own, for work that is one
/// round trip to a server, started without blocking and answered by a
/// callback (on the connection's event loop).
///
/// While a batch is out, submissions only queue: they wake nothing. When its
/// answer comes, the next batch (everything queued meanwhile) is sent from
/// the answering thread before the answered batch's completions run, so the
/// server never waits for a thread to wake up and hand it work. An idle
/// stage sends a submission at once, from the submitting thread.
///
/// Batches go out one at a time in submission order, and their completions
/// run in that order, each batch's together inside the completion scope, on
/// the answering thread or on a thread of their own.
public final class RoundTripBatcher<Item: Sendable, Output: Sendable>: Sendable {
    public typealias Answer = @Sendable (Result<[Output], any Error>) -> Void
    /// Starts the round trip of a batch and returns; calls `answer` once,
    /// with one output per item in order, from any thread. Must not block.
    public typealias Operation = @Sendable ([Item], _ answer: @escaping Answer) -> Void
    public typealias Completion = @Sendable (Result<Output, any Error>) -> Void
    public typealias CompletionScope = @Sendable (() -> Void) -> Void

    private struct Entry: Sendable {
        var item: Item
        var completion: Completion
    }

    private struct State: Sendable {
        var queue: [Entry] = []
        var batchOut = false
        /// Batches sent so far: the next one's place in the completion order.
        var batchesSent = 0
        var stopping = false
        var flushes = FlushWaiters()
    }

    /// Answered batches' completions waiting for their turn, by place.
    private struct Answered: Sendable {
        var ready: [Int: @Sendable () -> Void] = [:]
        var nextPlace = 0
        /// A thread is running completions: others leave theirs to it.
        var running = false
    }

    private let state = Mutex(State())
    private let answered = Mutex(Answered())
    private let maxBatch: Int
    private let completionScope: CompletionScope
    private let completer: SerialThread?
    private let operation: Operation

    /// - Parameters:
    ///   - completions: where completions run: on the thread that took the
    ///     answer (`.inline`), or on a thread of their own, which takes them
    ///     off a thread that has other work (an event loop serving clients).
    public init(maxBatch: Int = 512, completions: BatchCompletions = .inline,
                completionScope: CompletionScope? = nil, operation: @escaping Operation) {
        self.maxBatch = maxBatch
        self.completionScope = completionScope ?? { $0() }
        completer = switch completions {
        case .inline: nil
        case .ownThread(let name): SerialThread(name: name)
        }
        self.operation = operation
    }

    deinit {
        completer?.stop()
    }

    /// Adds the item to the next batch and returns at once; `completion` is
    /// called with its output, in submission order.
    public func submit(_ item: Item, completion: @escaping Completion) {
        let start = state.withLock { state -> Batch?? in
            guard !state.stopping else { return .none }
            state.queue.append(Entry(item: item, completion: completion))
            state.flushes.itemQueued()
            guard !state.batchOut else { return .some(nil) }
            return .some(Self.takeBatch(&state, maxBatch: maxBatch))
        }
        switch start {
        case .none: completion(.failure(BatchingThreadStopped()))
        case .some(let batch?): send(batch)
        case .some(nil): break
        }
    }

    /// Returns once every item submitted before this call has been completed.
    public func flush() async {
        await withCheckedContinuation { continuation in
            let waiting = state.withLock { $0.flushes.wait(continuation) }
            if !waiting { continuation.resume() }
        }
    }

    /// Later submissions fail at once; what is queued still goes out.
    public func stop() {
        state.withLock { $0.stopping = true }
    }

    private static func takeBatch(_ state: inout State, maxBatch: Int) -> Batch? {
        guard !state.queue.isEmpty else {
            state.batchOut = false
            return nil
        }
        state.batchOut = true
        let count = min(maxBatch, state.queue.count)
        defer {
            state.queue.removeFirst(count)
            state.batchesSent += 1
        }
        return (state.batchesSent, Array(state.queue.prefix(count)))
    }

    private typealias Batch = (place: Int, entries: [Entry])

    /// One `operation` call: whether it has returned, and the batch its
    /// answer left to send once it has.
    private final class OperationCall: Sendable {
        let state = Mutex<(returned: Bool, next: Batch?)>((false, nil))
    }

    /// Sends `first`, and the batches after it that answers given during
    /// their own `operation` call hand back: a loop, not a deeper stack.
    private func send(_ first: Batch) {
        var batch: Batch? = first
        while let current = batch {
            let call = OperationCall()
            let entries = current.entries
            operation(entries.map(\.item)) { [self] outcome in
                if case .success(let outputs) = outcome {
                    precondition(outputs.count == entries.count, "RoundTripBatcher operation must answer one output per item")
                }
                if let next = state.withLock({ Self.takeBatch(&$0, maxBatch: maxBatch) }) {
                    let sendNow = call.state.withLock { call in
                        if !call.returned { call.next = next }
                        return call.returned
                    }
                    if sendNow { send(next) }
                }
                complete(place: current.place) { [self] in
                    completionScope {
                        for (index, entry) in entries.enumerated() {
                            entry.completion(outcome.map { $0[index] })
                        }
                    }
                    let released = state.withLock { $0.flushes.finish(entries.count) }
                    released.forEach { $0.resume() }
                }
            }
            batch = call.state.withLock { call in
                call.returned = true
                return call.next
            }
        }
    }

    /// Runs a batch's completions in batch order: now if the batches before
    /// it are done and no other thread is running completions, else by
    /// whichever thread is, once their turn comes. Never waits.
    private func complete(place: Int, _ completions: @escaping @Sendable () -> Void) {
        let run = answered.withLock { answered -> Bool in
            answered.ready[place] = completions
            guard !answered.running else { return false }
            answered.running = true
            return true
        }
        guard run else { return }
        while let turn = answered.withLock({ answered -> (@Sendable () -> Void)? in
            guard let turn = answered.ready.removeValue(forKey: answered.nextPlace) else {
                answered.running = false
                return nil
            }
            answered.nextPlace += 1
            return turn
        }) {
            if let completer { completer.run(turn) } else { turn() }
        }
    }
}
