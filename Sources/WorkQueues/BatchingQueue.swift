import Synchronization

/// An ordered stage that works in batches: items submitted while a batch is
/// being processed wait and go together into the next one, so one round trip
/// (a Redis pipeline, a transaction) serves many callers without anyone
/// waiting for a timer. `BatchingThread` is the same for blocking work.
///
/// Batches run one at a time in submission order, and completions are called
/// in that order too, before the next batch starts: a stage fed from a
/// completion sees items in the order they were submitted here.
public final class BatchingQueue<Item: Sendable, Output: Sendable>: Sendable {
    public typealias Operation = @Sendable ([Item]) async throws -> [Output]
    public typealias Completion = @Sendable (Result<Output, any Error>) -> Void

    private struct Entry {
        var item: Item
        var completion: Completion?
    }

    private struct State {
        var queue: [Entry] = []
        var running = false
        var flushes = FlushWaiters()
    }

    private let state = Mutex(State())
    private let maxBatch: Int
    private let operation: Operation

    /// - Parameters:
    ///   - maxBatch: the most items written in one call of `operation`.
    ///   - operation: writes a batch and returns one output per item, in order.
    public init(maxBatch: Int = 512, operation: @escaping Operation) {
        self.maxBatch = maxBatch
        self.operation = operation
    }

    /// Adds the item to the next batch and returns its output once that batch is written.
    public func submit(_ item: Item) async throws -> Output {
        try await withCheckedThrowingContinuation { continuation in
            add(Entry(item: item) { continuation.resume(with: $0) })
        }
    }

    /// Adds the item to the next batch and returns at once; `completion` is
    /// called with its output once the batch is written, in submission order.
    public func submit(_ item: Item, completion: @escaping Completion) {
        add(Entry(item: item, completion: completion))
    }

    /// Adds the item to the next batch without waiting for it.
    public func enqueue(_ item: Item) {
        add(Entry(item: item, completion: nil))
    }

    /// Returns once every item enqueued before this call has been written (or failed).
    public func flush() async {
        await withCheckedContinuation { continuation in
            let waiting = state.withLock { $0.flushes.wait(continuation) }
            if !waiting { continuation.resume() }
        }
    }

    private func add(_ entry: Entry) {
        let start = state.withLock { state -> Bool in
            state.queue.append(entry)
            state.flushes.itemQueued()
            guard !state.running else { return false }
            state.running = true
            return true
        }
        if start {
            Task { await self.drain() }
        }
    }

    private func drain() async {
        while let batch = nextBatch() {
            let outcome: Result<[Output], any Error>
            do {
                let outputs = try await operation(batch.map { $0.item })
                precondition(outputs.count == batch.count, "BatchingQueue operation must return one output per item")
                outcome = .success(outputs)
            } catch {
                outcome = .failure(error)
            }
            for (index, entry) in batch.enumerated() {
                guard let completion = entry.completion else { continue }
                switch outcome {
                case .success(let outputs): completion(.success(outputs[index]))
                case .failure(let error): completion(.failure(error))
                }
            }
            let released = state.withLock { $0.flushes.finish(batch.count) }
            released.forEach { $0.resume() }
        }
    }

    /// The next batch, or nil (and not running) when the queue is empty.
    private func nextBatch() -> [Entry]? {
        state.withLock { state in
            guard !state.queue.isEmpty else {
                state.running = false
                return nil
            }
            let count = min(maxBatch, state.queue.count)
            let batch = Array(state.queue.prefix(count))
            state.queue.removeFirst(count)
            return batch
        }
    }
}
