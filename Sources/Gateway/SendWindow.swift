import Synchronization

/// One connection's pipelined sends: how many are in flight. The connection
/// stops reading at the window's limit, and waits for every send to be
/// answered before it runs any other command, so replies keep command order.
final class SendWindow: Sendable {
    private struct State {
        var inFlight = 0
        var roomWaiters: [CheckedContinuation<Void, Never>] = []
        var idleWaiters: [CheckedContinuation<Void, Never>] = []
    }

    let limit: Int
    private let state = Mutex(State())

    init(limit: Int) {
        precondition(limit > 0)
        self.limit = limit
    }

    /// Takes a place in the window, waiting for one if it is full.
    func acquire() async {
        await withCheckedContinuation { continuation in
            let taken = state.withLock { state -> Bool in
                guard state.inFlight < limit else {
                    state.roomWaiters.append(continuation)
                    return false
                }
                state.inFlight += 1
                return true
            }
            if taken { continuation.resume() }
        }
    }

    /// Takes a place if one is free, without waiting.
    func tryAcquire() -> Bool {
        state.withLock { state in
            guard state.inFlight < limit, state.roomWaiters.isEmpty else { return false }
            state.inFlight += 1
            return true
        }
    }

    /// Gives a place back (its send was answered).
    func release() {
        let resumed = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            if !state.roomWaiters.isEmpty {
                // The place passes straight to a waiter.
                return [state.roomWaiters.removeFirst()]
            }
            state.inFlight -= 1
            guard state.inFlight == 0 else { return [] }
            defer { state.idleWaiters.removeAll() }
            return state.idleWaiters
        }
        resumed.forEach { $0.resume() }
    }

    /// Returns once no send is in flight.
    func idle() async {
        await withCheckedContinuation { continuation in
            let idle = state.withLock { state -> Bool in
                guard state.inFlight > 0 else { return true }
                state.idleWaiters.append(continuation)
                return false
            }
            if idle { continuation.resume() }
        }
    }
}
