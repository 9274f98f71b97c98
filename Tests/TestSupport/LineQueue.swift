import Synchronization

/// Lines in arrival order, and one reader that awaits the next with a timeout.
/// The event loop appends; a test task takes.
public final class LineQueue: Sendable {
    public enum Next: Equatable, Sendable {
        case line(String)
        case closed
        case timedOut
    }

    private struct Waiter {
        let id: UInt64
        let continuation: CheckedContinuation<Next, Never>
        var timer: Task<Void, Never>?
    }

    private struct State {
        var lines: [String] = []
        var head = 0
        var finished = false
        var waiter: Waiter?
        var nextWaiterID: UInt64 = 0

        mutating func pop() -> String? {
            guard head < lines.count else { return nil }
            defer {
                head += 1
                if head == lines.count {
                    lines.removeAll(keepingCapacity: true)
                    head = 0
                }
            }
            return lines[head]
        }
    }

    private let state = Mutex(State())

    public init() {}

    public func append(_ line: String) {
        let waiter = state.withLock { state -> Waiter? in
            guard !state.finished else { return nil }
            if let waiter = state.waiter {
                state.waiter = nil
                return waiter
            }
            state.lines.append(line)
            return nil
        }
        waiter?.timer?.cancel()
        waiter?.continuation.resume(returning: .line(line))
    }

    /// No more lines will come (the connection closed).
    public func finish() {
        let waiter = state.withLock { state -> Waiter? in
            state.finished = true
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.timer?.cancel()
        waiter?.continuation.resume(returning: .closed)
    }

    public var isFinished: Bool { state.withLock { $0.finished } }

    /// Takes every line already here.
    public func drain() -> [String] {
        state.withLock { state in
            var out: [String] = []
            while let line = state.pop() { out.append(line) }
            return out
        }
    }

    /// The next line; `.closed` once the lines ran out for good; `.timedOut` after `timeout`.
    public func next(timeout: Duration) async -> Next {
        await withCheckedContinuation { continuation in
            let id = state.withLock { state -> UInt64? in
                if let line = state.pop() {
                    continuation.resume(returning: .line(line))
                    return nil
                }
                if state.finished {
                    continuation.resume(returning: .closed)
                    return nil
                }
                precondition(state.waiter == nil, "two readers wait on one LineQueue")
                state.nextWaiterID += 1
                state.waiter = Waiter(id: state.nextWaiterID, continuation: continuation)
                return state.nextWaiterID
            }
            guard let id else { return }
            let timer = Task {
                do { try await Task.sleep(for: timeout) } catch { return }
                self.expire(id)
            }
            let orphan = state.withLock { state -> Bool in
                guard state.waiter?.id == id else { return true }
                state.waiter?.timer = timer
                return false
            }
            if orphan { timer.cancel() }
        }
    }

    private func expire(_ id: UInt64) {
        let waiter = state.withLock { state -> Waiter? in
            guard let waiter = state.waiter, waiter.id == id else { return nil }
            state.waiter = nil
            return waiter
        }
        waiter?.continuation.resume(returning: .timedOut)
    }
}
