import Foundation

/// An OS thread that runs the work given to it one piece at a time, in the
/// order given. Work must not block.
public final class SerialThread: Sendable {
    private struct State: Sendable {
        var work: [@Sendable () -> Void] = []
        var stopping = false
    }

    private let state = ConditionLock(State())

    public init(name: String) {
        let thread = Thread { [state] in
            nameCurrentThread(name)
            Self.run(state)
        }
        thread.start()
    }

    deinit {
        stop()
    }

    public func run(_ work: @escaping @Sendable () -> Void) {
        state.withLockAndWake { $0.work.append(work) }
    }

    /// Lets the thread end once it has run what it was given.
    public func stop() {
        state.withLockAndWake { $0.stopping = true }
    }

    private static func run(_ state: ConditionLock<State>) {
        while true {
            let work = state.wait { state -> ConditionLock<State>.WaitStep<[@Sendable () -> Void]?> in
                if !state.work.isEmpty {
                    defer { state.work.removeAll(keepingCapacity: true) }
                    return .done(state.work)
                }
                return state.stopping ? .done(nil) : .sleep(until: nil)
            }
            guard let work else { return }
            work.forEach { $0() }
        }
    }
}
