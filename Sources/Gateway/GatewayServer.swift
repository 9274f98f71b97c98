import Logging
import MPIMCore
import MPIMLineCodec
import MPIMServices
import NIOCore
import NIOPosix
import ServiceLifecycle
import Synchronization

/// The TCP line-protocol listener: a pipeline of handlers per connection
/// feeding its session, commands of a connection in order, connections
/// independent of each other.
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
    private let logger: Logger
    private struct Connections {
        /// Every open connection, so shutdown can kick them.
        var open: [ConnectionID: ConnectionWriter] = [:]
        /// Waiting for every connection to end (shutdown).
        var drainWaiters: [CheckedContinuation<Void, Never>] = []

        /// The waiters to resume, once no connection is left.
        mutating func takeWaitersIfDrained() -> [CheckedContinuation<Void, Never>] {
            guard open.isEmpty else { return [] }
            defer { drainWaiters.removeAll() }
            return drainWaiters
        }
    }

    private let connections = Mutex(Connections())
    private let listener: GatewayListener

    /// Awaited before the listener accepts (presence being able to receive).
    private let readiness: @Sendable () async -> Void

    /// - Parameter listener: the socket bound for `configuration`'s address.
    public init(configuration: Configuration, listener: GatewayListener, services: GatewayServices,
                registry: SessionRegistry, logger: Logger, readiness: @escaping @Sendable () async -> Void = {}) {
        self.configuration = configuration
        self.listener = listener
        self.services = services
        self.registry = registry
        self.logger = logger
        self.readiness = readiness
        greeting = "+OK welcome to mpim \(configuration.gatewayID)"
        GatewayMetrics.prepare()
    }

    /// The port bound.
    public var port: Int { listener.port }

    public func run() async throws {
        await readiness()
        let maxLine = configuration.maxLineBytes
        try await listener.startAccepting { channel in
            channel.eventLoop.makeCompletedFuture {
                let writer = self.registry.makeWriter(for: channel)
                try channel.pipeline.syncOperations.addHandler(self.idleCloser(writer: writer))
                try channel.pipeline.syncOperations.addHandlers(
                    ByteToMessageHandler(LineFrameDecoder(maxLineBytes: maxLine)),
                    self.makeConnectionHandler(for: channel, writer: writer))
            }
        }
        logger.info("gateway listening on \(listener.host):\(listener.port)", metadata: [
            "gateway": "\(configuration.gatewayID)",
        ])

        let server = listener.channel
        try await withGracefulShutdownHandler {
            try await server.closeFuture.get()
        } onGracefulShutdown: {
            self.logger.info("gateway draining")
            server.close(promise: nil)
            self.closeAll(reason: "server shutdown")
        }
        // Every session unbinds its route before the services behind it stop.
        await connectionsEnded(waitingUpTo: .seconds(5))
        logger.info("gateway stopped")
    }

    /// Kicks every connection with a reason and closes it.
    private func closeAll(reason: String) {
        let writers = connections.withLock { Array($0.open.values) }
        for writer in writers {
            writer.kick(reason: reason)
        }
    }

    /// The handler that runs one connection: its session, fed line by line.
    private func makeConnectionHandler(for channel: any Channel, writer: ConnectionWriter) -> ConnectionHandler {
        let (inbox, opened) = makeInbox(for: channel, writer: writer)
        return ConnectionHandler(inbox: inbox, greeting: greeting, opened: opened)
    }

    /// What closes a connection that sent nothing for the idle timeout, first in its pipeline.
    private func idleCloser(writer: ConnectionWriter) -> IdleConnectionCloser {
        IdleConnectionCloser(writer: writer, timeout: TimeAmount(configuration.idleTimeout))
    }

    /// Made once: every connection's handler shares its storage.
    private let greeting: String

    /// A connection's session and inbox, and what to do once it is open.
    private func makeInbox(for channel: any Channel, writer: ConnectionWriter)
        -> (LineInbox, opened: @Sendable () -> Void)
    {
        let id = registry.makeConnectionID()
        // Every line about this connection says where it comes from.
        let session = Session(
            connection: id, writer: writer, services: services, registry: registry, logger: logger,
            remote: channel.remoteAddress.map(Self.describe) ?? "?")
        let inbox = LineInbox(
            session: session, writer: writer, linesPerSecond: configuration.maxLinesPerSecond,
            ended: { self.connectionEnded(id) })
        return (inbox, {
            session.logger.debug("connection opened")
            self.connections.withLock { $0.open[id] = writer }
            GatewayMetrics.connectionsOpen.increment()
        })
    }

    /// Takes on a connection another transport accepted (the web
    /// listener's WebSocket). It gets what a TCP connection gets: the
    /// greeting, a session, the idle timeout, the rate limit, the
    /// slow-consumer kick, and a kick at shutdown. `transport` makes the
    /// handler that ends the channel's pipeline: it turns the gateway's
    /// writes (byte buffers of `line\n` runs) into its own framing and hands
    /// each message received, and the end, to the connection it is given.
    /// Call on the channel's event loop.
    package func adopt(_ channel: any Channel, transport: (AdoptedConnection) -> any ChannelHandler) throws {
        channel.eventLoop.preconditionInEventLoop()
        let writer = registry.makeWriter(for: channel)
        let (inbox, opened) = makeInbox(for: channel, writer: writer)
        let connection = AdoptedConnection(inbox: inbox, maxLineBytes: configuration.maxLineBytes)
        try channel.pipeline.syncOperations.addHandler(idleCloser(writer: writer), position: .first)
        try channel.pipeline.syncOperations.addHandler(transport(connection))
        opened()
        writer.write(greeting)
    }

    /// `127.0.0.1:51234`, `[::1]:51234`: shorter than NIO's description.
    private static func describe(_ address: SocketAddress) -> String {
        guard let ip = address.ipAddress, let port = address.port else { return address.description }
        if case .v6 = address { return "[\(ip)]:\(port)" }
        return "\(ip):\(port)"
    }

    private func connectionEnded(_ id: ConnectionID) {
        let waiters = connections.withLock { connections -> [CheckedContinuation<Void, Never>] in
            guard connections.open.removeValue(forKey: id) != nil else { return [] }
            GatewayMetrics.connectionsOpen.decrement()
            return connections.takeWaitersIfDrained()
        }
        waiters.forEach { $0.resume() }
    }

    /// Returns when every connection has ended its session, or after `limit`.
    private func connectionsEnded(waitingUpTo limit: Duration) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                await withCheckedContinuation { continuation in
                    let done = self.connections.withLock { connections in
                        if connections.open.isEmpty { return true }
                        connections.drainWaiters.append(continuation)
                        return false
                    }
                    if done { continuation.resume() }
                }
            }
            group.addTask { try? await Task.sleep(for: limit) }
            await group.next()
            group.cancelAll()
            // A late session end finds no waiter: nothing is left waiting.
            let stragglers = self.connections.withLock { connections in
                defer { connections.drainWaiters.removeAll() }
                return connections.drainWaiters
            }
            stragglers.forEach { $0.resume() }
            await group.waitForAll()
        }
    }
}
