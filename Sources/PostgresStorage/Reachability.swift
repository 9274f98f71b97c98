import Synchronization

/// Whether the server has been answering. A call that finds it unreachable
/// (no answer within the timeout, or no connection) makes the calls after it
/// fail at once for a moment instead of each waiting out the timeout: a
/// command that asks several stores then answers within one timeout, not
/// the sum of them. After the moment one call at a time tries again, and the
/// first answer lets every call through.
final class Reachability: Sendable {
    private enum State {
        case reachable
        case unreachable(retryAt: ContinuousClock.Instant)
        /// One call is trying; the others fail at once.
        case trying
    }

    private let state = Mutex(State.reachable)
    private let retryAfter: Duration

    init(retryAfter: Duration = .milliseconds(500)) {
        self.retryAfter = retryAfter
    }

    /// Whether a call may go to the server now.
    func admits() -> Bool {
        state.withLock { state in
            switch state {
            case .reachable:
                return true
            case .unreachable(let retryAt) where ContinuousClock.now >= retryAt:
                state = .trying
                return true
            case .unreachable, .trying:
                return false
            }
        }
    }

    /// The server answered (an SQL error is an answer too). True when it had been unreachable.
    func answered() -> Bool {
        state.withLock { state in
            if case .reachable = state { return false }
            state = .reachable
            return true
        }
    }

    /// The server did not answer. True when it had been reachable.
    func unreachable() -> Bool {
        state.withLock { state in
            let wasReachable = if case .reachable = state { true } else { false }
            state = .unreachable(retryAt: .now + retryAfter)
            return wasReachable
        }
    }
}
