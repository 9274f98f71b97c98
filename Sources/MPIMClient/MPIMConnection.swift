import MPIMLineCodec
import NIOCore
import NIOPosix

/// One TCP connection to an mpim gateway: commands go out in order, each
/// `request` returns its own reply (data lines included), and everything the
/// server says on its own arrives on `events`, which ends when the connection
/// closes.
public final class MPIMConnection: Sendable {
    /// The server's first line, `+OK welcome…`.
    public let greeting: String
    /// Pushes and stray lines, in arrival order; finishes when the connection closes.
    public let events: AsyncStream<ConnectionEvent>
    private let channel: any Channel

    private init(greeting: String, events: AsyncStream<ConnectionEvent>, channel: any Channel) {
        self.greeting = greeting
        self.events = events
        self.channel = channel
    }

    /// Connects and reads the greeting, which must start with `+OK welcome`.
    public static func connect(
        host: String, port: Int, timeout: Duration = .seconds(5), maxLineBytes: Int = 1 << 20,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws -> MPIMConnection {
        let (events, sink) = AsyncStream<ConnectionEvent>.makeStream()
        let greetingPromise = group.any().makePromise(of: ServerReply.self)
        let channel: any Channel
        do {
            channel = try await ClientBootstrap(group: group)
                .connectTimeout(TimeAmount(timeout))
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandlers(
                            ByteToMessageHandler(LineFrameDecoder(maxLineBytes: maxLineBytes)),
                            ConnectionHandler(greeting: greetingPromise, events: sink))
                    }
                }
                .connect(host: host, port: port)
                .get()
        } catch {
            greetingPromise.fail(error)
            sink.finish()
            throw error
        }
        let greeting: ServerReply
        do {
            greeting = try await reply(greetingPromise, on: channel, within: timeout)
        } catch {
            try? await channel.close()
            throw error
        }
        guard greeting.final.hasPrefix("+OK welcome") else {
            try? await channel.close()
            throw MPIMClientError.notMPIMServer(greeting: greeting.final)
        }
        return MPIMConnection(greeting: greeting.final, events: events, channel: channel)
    }

    /// Sends one command line and waits for its complete reply. The reply's
    /// shape (data lines or not) follows from the command word.
    public func request(_ line: String, timeout: Duration = .seconds(15)) async throws -> ServerReply {
        guard !line.contains("\n") && !line.contains("\r") else { throw MPIMClientError.lineContainsNewline }
        let promise = channel.eventLoop.makePromise(of: ServerReply.self)
        channel.writeAndFlush(OutboundCommand(line: line, shape: ReplyShape(commandLine: line), reply: promise))
            .whenFailure { promise.fail($0 is ChannelError ? MPIMClientError.connectionClosed : $0) }
        return try await Self.reply(promise, on: channel, within: timeout)
    }

    /// Closes the connection; `events` ends and waiting requests fail.
    public func close() async {
        try? await channel.close()
    }

    public var isActive: Bool { channel.isActive }

    /// Waits for `promise`, failing it with `timedOut` after `limit` (a reply
    /// that comes later completes nothing: a promise completes once).
    private static func reply(_ promise: EventLoopPromise<ServerReply>, on channel: any Channel,
                              within limit: Duration) async throws -> ServerReply {
        let timer = channel.eventLoop.scheduleTask(in: TimeAmount(limit)) {
            promise.fail(MPIMClientError.timedOut(limit))
        }
        promise.futureResult.whenComplete { _ in timer.cancel() }
        return try await promise.futureResult.get()
    }
}
