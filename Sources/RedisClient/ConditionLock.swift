import Foundation

/// A value guarded by an `NSCondition`: the lock for state that callers and a connection thread
/// share, and the condition that thread sleeps on while it has nothing to do.
///
/// `@unchecked Sendable` because the value is only ever touched with the lock held.
final class ConditionLock<Value: Sendable>: @unchecked Sendable {
    private let condition = NSCondition()
    private var value: Value

    init(_ value: Value) {
        self.value = value
    }

    func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        condition.lock()
        defer { condition.unlock() }
        return try body(&value)
    }

    /// Like `withLock`, and wakes the waiting thread so it sees the change.
    func withLockAndWake<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        condition.lock()
        defer {
            condition.broadcast()
            condition.unlock()
        }
        return try body(&value)
    }

    /// Blocks the calling thread until `body` returns non-nil, or `deadline` passes (then returns nil).
    /// Only for dedicated threads: never call this from Swift concurrency.
    func wait<Result>(until deadline: ContinuousClock.Instant? = nil, _ body: (inout Value) -> Result?) -> Result? {
        condition.lock()
        defer { condition.unlock() }
        while true {
            if let result = body(&value) { return result }
            guard let deadline else {
                condition.wait()
                continue
            }
            let remaining = deadline - .now
            if remaining <= .zero { return nil }
            _ = condition.wait(until: Date(timeIntervalSinceNow: remaining.timeInterval))
        }
    }
}

extension Duration {
    var timeInterval: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
