/// What a batching stage counts so `flush()` can wait for everything queued
/// before it: items queued, items finished, and who waits for which count.
struct FlushWaiters: Sendable {
    private(set) var enqueued = 0
    private var finished = 0
    private var waiters: [(target: Int, waiter: CheckedContinuation<Void, Never>)] = []

    var isEmpty: Bool { waiters.isEmpty }

    mutating func itemQueued() {
        enqueued += 1
    }

    /// Keeps `waiter` until everything queued so far is finished; false (not
    /// kept) when it already is, and the caller resumes it.
    mutating func wait(_ waiter: CheckedContinuation<Void, Never>) -> Bool {
        guard finished < enqueued else { return false }
        waiters.append((enqueued, waiter))
        return true
    }

    /// Counts a finished batch; returns the waiters it releases, to resume outside the lock.
    mutating func finish(_ count: Int) -> [CheckedContinuation<Void, Never>] {
        finished += count
        let done = finished
        let ready = waiters.filter { $0.target <= done }
        waiters.removeAll { $0.target <= done }
        return ready.map { $0.waiter }
    }
}
