import Logging
import MPIMCore
import NIOCore
import NIOPosix
import ServiceLifecycle
import Synchronization

/// The TCP line-protocol listener: one task per connection, commands of a
/// connection in order, connections independent of each other.
public final class GatewayServer: Service {
    public struct Configuration: Sendable {
        /// Address to bind; 127.0.0.1 unless told otherwise.
        public var host: String
        /// Port to bind; 0 picks a free one (the chosen one is logged).
        public var port: Int
        /// This gateway's id, shown in the greeting.
        public var gatewayID: GatewayID
        /// Longest accepted line, in bytes.
        public var maxLineBytes: Int
        /// Bytes queued for a client beyond which pushes to it kick it as a slow consumer.
        public var maxOutboundBytes: Int
        /// A connection that sends no line for this long is closed (`KICKED reason=idle timeout`).
        public var idleTimeout: Duration
        /// Lines one connection may send per second (bursts up to a second's worth);
        /// beyond it lines are answered `-ERR rate limited` and not run.
        public var maxLinesPerSecond: Int

        public init(host: String = "127.0.0.1", port: Int = 8000, gatewayID: GatewayID = "gateway-001",
                    maxLineBytes: Int = 65536, maxOutboundBytes: Int = 1 << 20, idleTimeout: Duration = .seconds(300),
                    maxLinesPerSecond: Int = 2000) {
            self.host = host
            self.port = port
            self.gatewayID = gatewayID
            self.maxLineBytes = maxLineBytes
            self.maxOutboundBytes = maxOutboundBytes
            self.idleTimeout = idleTimeout
            self.maxLinesPerSecond = maxLinesPerSecond
        }
    }

    private let configuration: Configuration
    private let services: GatewayServices
    private let registry: SessionRegistry
    private let eventLoopGroup: any EventLoopGroup
    private let logger: Logger
    /// Every open connection, so shutdown can close them.
    private let open = Mutex<[ConnectionID: any Channel]>([:])
    private let boundPort = Mutex<Int?>(nil)

    /// Awaited before the listener binds (presence being able to receive).
    private let readiness: @Sendable () async -> Void

    public init(configuration: Configuration, services: GatewayServices, registry: SessionRegistry,
                eventLoopGroup: any EventLoopGroup, logger: Logger,
                readiness: @escaping @Sendable () async -> Void = {}) {
        self.configuration = configuration
        self.services = services
        self.registry = registry
        self.eventLoopGroup = eventLoopGroup
        self.logger = logger
        self.readiness = readiness
    }

    /// The port actually bound, once listening.
    public var port: Int? { boundPort.withLock { $0 } }

    public func run() async throws {
        await readiness()
        let maxLine = configuration.maxLineBytes
        let idleTimeout = TimeAmount(configuration.idleTimeout)
        let server = try await ServerBootstrap(group: eventLoopGroup)
            .serverChannelOption(.backlog, value: 1024)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(
                .writeBufferWaterMark,
                value: .init(low: configuration.maxOutboundBytes / 2, high: configuration.maxOutboundBytes))
            .bind(host: configuration.host, port: configuration.port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandlers(
                        IdleStateHandler(readTimeout: idleTimeout),
                        IdleConnectionCloser(),
                        ByteToMessageHandler(LineFrameDecoder(maxLineBytes: maxLine)))
                    return try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        let port = server.channel.localAddress?.port ?? configuration.port
        boundPort.withLock { $0 = port }
        logger.info("gateway listening on \(configuration.host):\(port)", metadata: [
            "gateway": "\(configuration.gatewayID)",
        ])

        try await withGracefulShutdownHandler {
            try await server.executeThenClose { connections in
                try await withThrowingDiscardingTaskGroup { group in
                    for try await connection in connections {
                        group.addTask { await self.serve(connection) }
                    }
                }
            }
        } onGracefulShutdown: {
            self.logger.info("gateway draining")
            server.channel.close(promise: nil)
            self.closeAll(reason: "server shutdown")
        }
        logger.info("gateway stopped")
    }

    /// Kicks every connection with a reason and closes it.
    private func closeAll(reason: String) {
        let channels = open.withLock { Array($0.values) }
        for channel in channels {
            SessionRegistry.kick(channel, reason: reason)
        }
    }

    /// One connection, start to end. Never throws: a broken client only ends itself.
    private func serve(_ connection: NIOAsyncChannel<ByteBuffer, ByteBuffer>) async {
        let id = registry.makeConnectionID()
        let channel = connection.channel
        var logger = self.logger
        logger[metadataKey: "conn"] = "\(id)"
        logger.info("connection opened", metadata: ["remote": "\(channel.remoteAddress?.description ?? "?")"])
        open.withLock { $0[id] = channel }
        GatewayMetrics.connectionsOpen.increment()
        defer {
            open.withLock { $0[id] = nil }
            GatewayMetrics.connectionsOpen.decrement()
        }

        let session = Session(
            connection: id, writer: registry.makeWriter(for: channel), services: services, registry: registry,
            logger: logger)
        var closeReason = "client closed"
        do {
            try await connection.executeThenClose { inbound, outbound in
                let write = ReplyWriter(allocator: channel.allocator) { try await outbound.write($0) }
                try await write("+OK welcome to mpim \(configuration.gatewayID)")
                var limiter = LineRateLimiter(linesPerSecond: configuration.maxLinesPerSecond, now: ContinuousClock.now)
                do {
                    for try await bytes in inbound {
                        guard limiter.admit(now: .now) else {
                            GatewayMetrics.rateLimitedLines.increment()
                            await session.settle()
                            try await write(GatewayError.rateLimited.replyLine)
                            continue
                        }
                        guard let line = String(validating: bytes.readableBytesView, as: UTF8.self) else {
                            await session.settle()
                            try await write(GatewayError.invalidUTF8.replyLine)
                            continue
                        }
                        if try await session.respond(to: line, write: write) == .close {
                            closeReason = "quit"
                            break
                        }
                    }
                } catch is LineTooLongError {
                    closeReason = "line too long"
                    await session.settle()
                    try await write(GatewayError.lineTooLong.replyLine)
                    await Self.lingeringClose(channel)
                }
            }
        } catch {
            closeReason = "error: \(error)"
        }
        await session.end()
        logger.info("connection closed", metadata: ["reason": "\(closeReason)"])
    }

    /// Sends FIN, then waits briefly for the client to close, so that unread
    /// input on our side does not turn the close into a reset that would
    /// destroy the reply we just wrote.
    private static func lingeringClose(_ channel: any Channel) async {
        try? await channel.close(mode: .output)
        await withTaskGroup(of: Void.self) { group in
            group.addTask { try? await channel.closeFuture.get() }
            group.addTask { try? await Task.sleep(for: .seconds(2)) }
            await group.next()
            // Whichever came first, closing now also ends the closeFuture wait.
            channel.close(promise: nil)
            group.cancelAll()
        }
    }
}
