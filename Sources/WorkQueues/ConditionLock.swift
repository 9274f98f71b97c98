import Foundation

/// A value guarded by an `NSCondition`: the lock for state that callers and a dedicated thread
/// share, and the condition that thread sleeps on while it has nothing to do.
///
/// `@unchecked Sendable` because the value is only ever touched with the lock held.
public final class ConditionLock<Value: Sendable>: @unchecked Sendable {
    private let condition = NSCondition()
    private var value: Value

    public init(_ value: Value) {
        self.value = value
    }

    public func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        condition.lock()
        defer { condition.unlock() }
        return try body(&value)
    }

    /// Like `withLock`, and wakes the waiting thread so it sees the change.
    public func withLockAndWake<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        condition.lock()
        defer {
            condition.broadcast()
            condition.unlock()
        }
        return try body(&value)
    }

    /// Blocks the calling thread until `body` returns non-nil, or `deadline` passes (then returns nil).
    /// Only for dedicated threads: never call this from Swift concurrency.
    public func wait<Result>(until deadline: ContinuousClock.Instant? = nil, _ body: (inout Value) -> Result?) -> Result? {
        wait { value -> WaitStep<Result?> in
            if let result = body(&value) { return .done(result) }
            if let deadline, deadline <= .now { return .done(nil) }
            return .sleep(until: deadline)
        }
    }

    /// What a `wait(_:)` step decided: finished with a result, or sleep
    /// (until woken, or until the deadline) and look again.
    public enum WaitStep<Result> {
        case done(Result)
        case sleep(until: ContinuousClock.Instant?)
    }

    /// Blocks the calling thread, running `step` under the lock after every
    /// wake-up, until it returns `.done`. Only for dedicated threads.
    public func wait<Result>(_ step: (inout Value) -> WaitStep<Result>) -> Result {
        condition.lock()
        defer { condition.unlock() }
        while true {
            switch step(&value) {
            case .done(let result):
                return result
            case .sleep(until: nil):
                condition.wait()
            case .sleep(until: let deadline?):
                let remaining = deadline - .now
                if remaining > .zero {
                    _ = condition.wait(until: Date(timeIntervalSinceNow: remaining.timeInterval))
                }
            }
        }
    }
}
