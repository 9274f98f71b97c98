import Foundation
import Logging
import Metrics
import WorkQueues

/// What a connection thread and its callers share, guarded by one lock.
struct ThreadShared<State: Sendable>: Sendable {
    enum Phase: Sendable { case idle, running, stopping, stopped }

    var phase = Phase.idle
    /// The live socket, so `shutdown` can `shutdown(2)` it and unblock a read in progress.
    /// Cleared under the lock before the context is freed, so a recycled fd is never touched.
    var socket: Int32?
    var exitWaiters: [CheckedContinuation<Void, Never>] = []
    /// A caller found the connection down: try again now rather than after the backoff.
    var reconnectRequested = false
    /// What the particular connection kind adds (its queue, its flags, its callbacks).
    var state: State

    var isStopping: Bool { phase == .stopping || phase == .stopped }
}

/// The life of one hiredis connection on its own OS thread, shared by ``RedisConnection`` and
/// ``RedisSubscriber``: connect, prepare, serve until the connection fails, reconnect with backoff,
/// until shutdown. hiredis blocks, so none of this may run on Swift concurrency or NIO threads.
final class ConnectionThread<State: Sendable>: Sendable {
    let shared: ConditionLock<ThreadShared<State>>
    let configuration: RedisConfiguration
    let logger: Logger
    private let name: String
    private let label: String

    init(configuration: RedisConfiguration, label: String, logger: Logger, state: State) {
        var logger = logger
        logger[metadataKey: "redis"] = "\(configuration.endpoint)"
        logger[metadataKey: "redis.label"] = "\(label)"
        self.shared = ConditionLock(ThreadShared(state: state))
        self.configuration = configuration
        self.logger = logger
        self.name = "redis-\(label)"
        self.label = label
    }

    var isStopping: Bool { shared.withLock { $0.isStopping } }

    /// Starts the thread running `prepare` and `serve` (see ``run(prepare:serve:)``), once.
    func start(
        prepare: @escaping @Sendable (HiredisContext) throws(RedisError) -> Void,
        serve: @escaping @Sendable (HiredisContext) -> RedisError
    ) {
        let starting = shared.withLock { shared in
            guard shared.phase == .idle else { return false }
            shared.phase = .running
            return true
        }
        guard starting else { return }
        let thread = Thread { [self] in
            nameCurrentThread(name)
            ignoreSIGPIPE()
            run(prepare: prepare, serve: serve)
            finish()
        }
        thread.start()
    }

    /// Marks the thread as stopping, unblocks its socket and runs `drain` under the same lock
    /// (so nothing can be enqueued after it). Returns `drain`'s result; then `waitForExit()`.
    func beginShutdown<Drained>(_ drain: (inout State) -> Drained) -> Drained {
        shared.withLockAndWake { shared in
            switch shared.phase {
            case .idle: shared.phase = .stopped
            case .running: shared.phase = .stopping
            case .stopping, .stopped: break
            }
            if let socket = shared.socket {
                _ = Glibc.shutdown(socket, Int32(SHUT_RDWR))
            }
            return drain(&shared.state)
        }
    }

    /// Returns once the thread has exited (at once if it never started).
    func waitForExit() async {
        await withCheckedContinuation { continuation in
            let exited = shared.withLock { shared in
                if shared.phase == .stopped { return true }
                shared.exitWaiters.append(continuation)
                return false
            }
            if exited { continuation.resume() }
        }
    }

    // MARK: - On the thread

    /// Reconnects until shutdown. `prepare` sets up a fresh connection (SELECT, SUBSCRIBE…);
    /// `serve` uses it until it fails and returns why.
    private func run(
        prepare: (HiredisContext) throws(RedisError) -> Void,
        serve: (HiredisContext) -> RedisError
    ) {
        var backoff = Backoff(min: configuration.reconnectBackoffMin, max: configuration.reconnectBackoffMax)
        var log = OutageLog(logger: logger)
        let up = Meter(label: "mpim_redis_up", dimensions: [("connection", label)])
        let reconnects = Counter(label: "mpim_redis_reconnects_total", dimensions: [("connection", label)])
        var everConnected = false
        up.set(0)
        while true {
            let attempt = ContinuousClock.now
            var served = false
            let failure = session(prepare: prepare, serve: serve, connected: {
                served = true
                backoff.reset()
                log.connected()
                if everConnected { reconnects.increment() }
                everConnected = true
                up.set(1)
            })
            up.set(0)
            if isStopping { return }
            if failure == .timeout && served {
                // The server was serving us, so it is most likely alive but slow: reconnect at once.
                log.timedOut()
                continue
            }
            log.failed(failure)
            sleep(for: backoff.next(), after: attempt)
        }
    }

    private func session(
        prepare: (HiredisContext) throws(RedisError) -> Void,
        serve: (HiredisContext) -> RedisError,
        connected: () -> Void
    ) -> RedisError {
        let context: HiredisContext
        do {
            context = try HiredisContext(host: configuration.host, port: configuration.port, timeout: configuration.connectTimeout)
        } catch {
            return error
        }
        defer {
            shared.withLock { $0.socket = nil }
            context.close()
        }
        let published = shared.withLock { shared in
            guard !shared.isStopping else { return false }
            shared.socket = context.fileDescriptor
            return true
        }
        guard published else { return .shutdown }
        do {
            try prepare(context)
        } catch {
            return error
        }
        connected()
        return serve(context)
    }

    /// Waits between reconnect attempts; returns early on shutdown, or when a
    /// caller asks for a connection, but never sooner than the minimum
    /// backoff after the last attempt, so callers cannot make it spin.
    private func sleep(for delay: Duration, after attempt: ContinuousClock.Instant) {
        let requested = shared.wait(until: .now + delay) { shared -> Bool? in
            if shared.isStopping { return false }
            guard shared.reconnectRequested else { return nil }
            shared.reconnectRequested = false
            return true
        }
        guard requested == true else { return }
        _ = shared.wait(until: attempt + configuration.reconnectBackoffMin) { $0.isStopping ? () : nil }
    }

    private func finish() {
        let waiters = shared.withLock { shared in
            shared.phase = .stopped
            defer { shared.exitWaiters = [] }
            return shared.exitWaiters
        }
        for waiter in waiters { waiter.resume() }
        logger.debug("Redis connection thread stopped")
    }

    /// A write to a socket Redis closed raises SIGPIPE, which would kill the process. Blocking it
    /// on this thread only (rather than ignoring it process-wide) turns it into an EPIPE error.
    private func ignoreSIGPIPE() {
        var signals = sigset_t()
        sigemptyset(&signals)
        sigaddset(&signals, SIGPIPE)
        pthread_sigmask(SIG_BLOCK, &signals, nil)
    }
}

/// Keeps reconnect logging quiet: one warning per outage, one info line when it ends.
private struct OutageLog {
    let logger: Logger
    private var inOutage = false
    private var hasConnected = false
    private var lastTimeoutWarning: ContinuousClock.Instant?

    init(logger: Logger) {
        self.logger = logger
    }

    mutating func failed(_ error: RedisError) {
        let reason = error.reason
        if inOutage {
            logger.debug("Redis still unavailable", metadata: ["reason": "\(reason)"])
        } else {
            inOutage = true
            logger.warning("Redis unavailable; retrying with backoff", metadata: ["reason": "\(reason)"])
        }
    }

    mutating func timedOut() {
        // A slow server could otherwise log a line per command: warn at most every ten seconds.
        let now = ContinuousClock.now
        if let last = lastTimeoutWarning, now - last < .seconds(10) {
            logger.debug("Redis command timed out; resetting the connection")
        } else {
            lastTimeoutWarning = now
            logger.warning("Redis command timed out; resetting the connection")
        }
    }

    mutating func connected() {
        if inOutage {
            logger.info("reconnected to Redis")
        } else if hasConnected {
            logger.debug("reconnected to Redis after a reset")
        } else {
            logger.info("connected to Redis")
        }
        inOutage = false
        hasConnected = true
    }
}

extension RedisError {
    /// A short text for logs and for `.unavailable` messages.
    var reason: String {
        switch self {
        case .unavailable(let reason): reason
        case .timeout: "timed out"
        case .server(let message): message
        case .overloaded: "overloaded"
        case .shutdown: "shut down"
        }
    }
}
