import Synchronization

/// `body` ran out of time: the caller stopped waiting for it.
public struct DeadlineExceeded: Error, Equatable, CustomStringConvertible {
    public var timeout: Duration
    public var description: String { "no answer from PostgreSQL within \(timeout)" }
}

/// Runs `body` in a task of its own and returns its result, or throws
/// `DeadlineExceeded` once `timeout` has passed, whichever comes first.
///
/// The caller stops waiting even when `body` cannot be stopped: a query on a
/// cut network link never answers, and postgres-nio neither abandons a query
/// in flight nor gives up waiting for a connection from its pool (a
/// structured task group would wait for that child forever). The task is
/// cancelled and ends on its own when its connection does.
func withDeadline<T: Sendable>(_ timeout: Duration, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    let outcome = Outcome<T>()
    return try await withTaskCancellationHandler {
        try await withCheckedThrowingContinuation { continuation in
            outcome.start(continuation, body: body, timeout: timeout)
        }
    } onCancel: {
        outcome.finish(.failure(CancellationError()))
    }
}

/// The one outcome of a deadline race: whichever of the work and the timer
/// finishes first resumes the caller, and cancels the other.
private final class Outcome<T: Sendable>: Sendable {
    private struct State {
        var continuation: CheckedContinuation<T, any Error>?
        var early: Result<T, any Error>?
        var tasks: [Task<Void, Never>] = []
        var finished = false
    }

    private let state = Mutex(State())

    func start(_ continuation: CheckedContinuation<T, any Error>, body: @escaping @Sendable () async throws -> T,
               timeout: Duration) {
        // Cancelled before the continuation existed.
        let early = state.withLock { state -> Result<T, any Error>? in
            if let early = state.early { return early }
            state.continuation = continuation
            return nil
        }
        if let early {
            continuation.resume(with: early)
            return
        }
        let work = Task {
            do {
                self.finish(.success(try await body()))
            } catch {
                self.finish(.failure(error))
            }
        }
        let timer = Task {
            guard (try? await Task.sleep(for: timeout)) != nil else { return }
            self.finish(.failure(DeadlineExceeded(timeout: timeout)))
        }
        let cancelNow = state.withLock { state in
            state.tasks = [work, timer]
            return state.finished
        }
        if cancelNow {
            work.cancel()
            timer.cancel()
        }
    }

    func finish(_ result: Result<T, any Error>) {
        let (continuation, tasks) = state.withLock { state -> (CheckedContinuation<T, any Error>?, [Task<Void, Never>]) in
            guard !state.finished else { return (nil, []) }
            state.finished = true
            guard let continuation = state.continuation else {
                state.early = result
                return (nil, [])
            }
            state.continuation = nil
            return (continuation, state.tasks)
        }
        tasks.forEach { $0.cancel() }
        continuation?.resume(with: result)
    }
}
