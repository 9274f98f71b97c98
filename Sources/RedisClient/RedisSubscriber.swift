import Logging

/// A SUBSCRIBE connection on its own thread. Resubscribes after every reconnect.
///
/// The thread blocks in a read with no timeout (pushes may be hours apart); TCP keepalive notices
/// a dead peer, and ``shutdown()`` unblocks the read by shutting the socket down.
public final class RedisSubscriber: Sendable {
    private let thread: ConnectionThread<Subscription>
    private let channels: [String]
    private let onMessage: @Sendable (_ channel: String, _ payload: [UInt8]) -> Void

    /// Creates an idle subscriber for `channels` (at least one); `onMessage` is called on the
    /// subscriber thread for each message and must not block.
    public init(
        configuration: RedisConfiguration, channels: [String], label: String, logger: Logger,
        onMessage: @escaping @Sendable (_ channel: String, _ payload: [UInt8]) -> Void
    ) {
        precondition(!channels.isEmpty, "RedisSubscriber needs at least one channel")
        self.thread = ConnectionThread(configuration: configuration, label: label, logger: logger, state: Subscription())
        self.channels = channels
        self.onMessage = onMessage
    }

    /// Starts the thread, which connects and subscribes (again after each reconnect); returns immediately.
    public func start() {
        thread.start(
            prepare: { [self] context throws(RedisError) in try subscribe(context) },
            serve: { [self] context in receive(context) }
        )
    }

    /// Unblocks the thread's read, waits for the thread to exit and frees the context. Idempotent.
    public func shutdown() async {
        thread.beginShutdown { $0.isSubscribed = false }
        await thread.waitForExit()
    }

    /// Whether the subscription was active at last look.
    public var isSubscribed: Bool {
        thread.shared.withLock { $0.state.isSubscribed }
    }

    /// Called on the subscriber thread after each successful (re)subscribe; must not block.
    /// Set before ``start()``.
    public func onSubscribed(_ handler: @escaping @Sendable () -> Void) {
        thread.shared.withLock { $0.state.onSubscribed = handler }
    }

    // MARK: - On the subscriber thread

    private func subscribe(_ context: HiredisContext) throws(RedisError) {
        try context.setTimeout(thread.configuration.commandTimeout)
        try context.enableKeepAlive()
        try context.append((["SUBSCRIBE"] + channels).map { Array($0.utf8) })
        for _ in channels {
            let confirmation = try context.reply()
            guard confirmation.array?.first?.string == "subscribe" else {
                throw .unavailable("unexpected reply to SUBSCRIBE: \(confirmation)")
            }
        }
        try context.setTimeout(nil)
        let handler = thread.shared.withLock { shared in
            shared.state.isSubscribed = true
            return shared.state.onSubscribed
        }
        handler?()
    }

    /// Delivers messages until the connection fails (or is shut down); returns why.
    private func receive(_ context: HiredisContext) -> RedisError {
        while true {
            let push: RESPValue
            do {
                push = try context.reply()
            } catch {
                thread.shared.withLock { $0.state.isSubscribed = false }
                return thread.isStopping ? .shutdown : error
            }
            // ["message", channel, payload]; anything else (e.g. a PING reply) is not for us.
            guard let parts = push.array, parts.count == 3, parts[0].string == "message",
                  let channel = parts[1].string, let payload = parts[2].bytes
            else { continue }
            onMessage(channel, payload)
        }
    }
}

/// The subscriber's flags and callback, shared with callers.
struct Subscription: Sendable {
    var isSubscribed = false
    var onSubscribed: (@Sendable () -> Void)?
}
