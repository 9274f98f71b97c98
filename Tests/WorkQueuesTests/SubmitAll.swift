import Synchronization
import WorkQueues

/// Submits `items` in order through `submit` and waits for all their
/// completions; returns the outputs in completion order.
func submitAll(
    _ items: Range<Int>,
    through submit: (Int, @escaping @Sendable (Result<Int, any Error>) -> Void) -> Void
) async -> [Result<Int, any Error>] {
    let seen = Mutex<[Result<Int, any Error>]>([])
    await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
        for item in items {
            submit(item) { result in
                let count = seen.withLock { seen in
                    seen.append(result)
                    return seen.count
                }
                if count == items.count { done.resume() }
            }
        }
    }
    return seen.withLock { $0 }
}

func submitAll(_ items: Range<Int>, to thread: BatchingThread<Int, Int>) async -> [Result<Int, any Error>] {
    await submitAll(items, through: thread.submit)
}

func submitAll(_ items: Range<Int>, to batcher: RoundTripBatcher<Int, Int>) async -> [Result<Int, any Error>] {
    await submitAll(items, through: batcher.submit)
}
