import Logging

/// One hiredis connection on its own thread; pipelines whatever queued up.
///
/// Callers enqueue commands and await their replies. The thread takes every command queued
/// while the previous batch was in flight, writes them all, then reads the replies in order,
/// so concurrent callers share round trips without asking for it.
public final class RedisConnection: Sendable {
    private let thread: ConnectionThread<CommandQueue>

    /// Creates an idle connection; nothing happens until ``start()``.
    public init(configuration: RedisConfiguration, label: String, logger: Logger) {
        thread = ConnectionThread(configuration: configuration, label: label, logger: logger, state: CommandQueue())
    }

    /// Starts the thread, which connects (and reconnects) in the background; returns immediately.
    public func start() {
        thread.start(
            prepare: { [self] context throws(RedisError) in try prepare(context) },
            serve: { [self] context in serve(context) }
        )
    }

    /// Stops the thread: queued and in-flight commands fail with ``RedisError/shutdown`` and the
    /// context is freed. Idempotent; later calls fail with `.shutdown` too.
    public func shutdown() async {
        let queued = thread.beginShutdown { queue in
            queue.isConnected = false
            return queue.takeAll()
        }
        queued.fail(with: .shutdown)
        await thread.waitForExit()
    }

    /// Whether the connection was up at last look.
    public var isConnected: Bool {
        thread.shared.withLock { $0.state.isConnected }
    }

    /// Sends one command; an error reply is thrown as ``RedisError/server(_:)``.
    public func command(_ args: [String]) async throws -> RESPValue {
        try await command(bytes: args.map { Array($0.utf8) })
    }

    /// Sends one command with binary-safe arguments; an error reply is thrown as ``RedisError/server(_:)``.
    public func command(bytes args: [[UInt8]]) async throws -> RESPValue {
        let reply = try await send([args])[0]
        if case .error(let message) = reply { throw RedisError.server(message) }
        return reply
    }

    /// Sends the commands in one batch and returns one reply per command, in order; error replies
    /// are returned as ``RESPValue/error(_:)`` values rather than thrown.
    public func pipeline(_ commands: [[String]]) async throws -> [RESPValue] {
        try await pipeline(bytes: commands.map { $0.map { Array($0.utf8) } })
    }

    /// Binary-safe variant of ``pipeline(_:)``.
    public func pipeline(bytes commands: [[[UInt8]]]) async throws -> [RESPValue] {
        guard !commands.isEmpty else { return [] }
        return try await send(commands)
    }

    /// Asks for a reconnect attempt now (not after the backoff) and waits up
    /// to `limit` for the connection to be up. True if it is.
    public func reconnect(within limit: Duration) async -> Bool {
        let deadline = ContinuousClock.now + limit
        while true {
            let connected = thread.shared.withLockAndWake { shared in
                if !shared.state.isConnected { shared.reconnectRequested = true }
                return shared.state.isConnected
            }
            if connected { return true }
            guard ContinuousClock.now < deadline, !thread.isStopping else { return false }
            try? await Task.sleep(for: .milliseconds(5))
        }
    }

    /// Called on the connection thread after every successful (re)connect, after SELECT and CLIENT SETNAME;
    /// must not block.
    /// Set before ``start()``.
    public func onConnect(_ handler: @escaping @Sendable () -> Void) {
        thread.shared.withLock { $0.state.onConnect = handler }
    }

    private func send(_ commands: [[[UInt8]]]) async throws -> [RESPValue] {
        let limit = thread.configuration.maxQueuedCommands
        return try await withCheckedThrowingContinuation { continuation in
            let request = CommandQueue.Request(commands: commands, continuation: continuation)
            let rejection: RedisError? = thread.shared.withLockAndWake { shared in
                // Fail fast rather than queue for later: callers have fallbacks.
                if shared.isStopping { return .shutdown }
                if !shared.state.isConnected {
                    shared.reconnectRequested = true
                    return .unavailable("not connected to \(thread.configuration.endpoint)")
                }
                if shared.state.queuedCommands + commands.count > limit { return .overloaded }
                shared.state.append(request)
                return nil
            }
            if let rejection { request.fail(with: rejection) }
        }
    }

    // MARK: - On the connection thread

    private func prepare(_ context: HiredisContext) throws(RedisError) {
        try context.setTimeout(thread.configuration.commandTimeout)
        let database = thread.configuration.database
        if database != 0 {
            try context.append(["SELECT", "\(database)"].map { Array($0.utf8) })
            if case .error(let message) = try context.reply() {
                throw .unavailable("SELECT \(database) failed: \(message)")
            }
        }
        if let name = thread.configuration.clientName {
            try context.append(["CLIENT", "SETNAME", name].map { Array($0.utf8) })
            // A server that refuses CLIENT (an ACL) still serves; only the name is missing.
            _ = try context.reply()
        }
        let handler = thread.shared.withLock { shared in
            shared.state.isConnected = true
            return shared.state.onConnect
        }
        handler?()
    }

    /// Runs batches until the connection fails or shutdown begins; returns why it stopped.
    private func serve(_ context: HiredisContext) -> RedisError {
        while true {
            let batch = thread.shared.wait { shared -> [CommandQueue.Request]? in
                if shared.isStopping { return [] }
                let batch = shared.state.takeAll()
                return batch.isEmpty ? nil : batch
            }!
            guard !batch.isEmpty else { return .shutdown }
            if let failure = execute(batch, on: context) {
                // The context is unusable now; whatever queued meanwhile fails too, not waits.
                let queued = thread.shared.withLock { shared in
                    shared.state.isConnected = false
                    return shared.state.takeAll()
                }
                queued.fail(with: thread.isStopping ? .shutdown : .unavailable(failure.reason))
                return failure
            }
        }
    }

    /// Writes the whole batch, then reads the replies, answering each caller as soon as its own
    /// replies are in. Returns the error that broke the connection, if any.
    private func execute(_ batch: [CommandQueue.Request], on context: HiredisContext) -> RedisError? {
        do {
            for request in batch {
                for command in request.commands where !command.isEmpty {
                    try context.append(command)
                }
            }
        } catch {
            batch.fail(with: error)
            return error
        }
        for (index, request) in batch.enumerated() {
            do {
                let replies = try request.commands.map { command throws(RedisError) in
                    // Redis ignores an empty command without replying; answer it here instead.
                    command.isEmpty ? .error("ERR empty command") : try context.reply()
                }
                request.continuation.resume(returning: replies)
            } catch {
                let reported: RedisError = switch error {
                case .timeout: .timeout
                default: thread.isStopping ? .shutdown : .unavailable(error.reason)
                }
                batch[index...].fail(with: reported)
                return error
            }
        }
        return nil
    }
}

/// The commands waiting for the connection thread, and the flags callers read.
struct CommandQueue: Sendable {
    struct Request: Sendable {
        let commands: [[[UInt8]]]
        let continuation: CheckedContinuation<[RESPValue], any Error>

        func fail(with error: RedisError) {
            continuation.resume(throwing: error)
        }
    }

    var isConnected = false
    var onConnect: (@Sendable () -> Void)?
    private(set) var requests: [Request] = []
    private(set) var queuedCommands = 0

    mutating func append(_ request: Request) {
        requests.append(request)
        queuedCommands += request.commands.count
    }

    mutating func takeAll() -> [Request] {
        defer {
            requests = []
            queuedCommands = 0
        }
        return requests
    }
}

extension Sequence<CommandQueue.Request> {
    func fail(with error: RedisError) {
        for request in self { request.fail(with: error) }
    }
}
