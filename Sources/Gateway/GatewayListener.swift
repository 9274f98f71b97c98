import NIOCore
import NIOPosix
import Synchronization

/// The gateway's listening socket. It is bound before anything else starts,
/// so a taken port fails before any shared state is touched, and it accepts
/// only once the gateway runs: until then connections wait in the kernel's
/// backlog (the server channel does not read).
public final class GatewayListener: Sendable {
    /// The address it is bound to, as configured.
    public let host: String
    /// The port actually bound (the chosen one when 0 was asked for).
    public let port: Int
    let channel: any Channel
    private let children: ChildInitializer

    /// Binds `host:port` without accepting. Throws NIO's error when the
    /// address cannot be bound or resolved.
    public static func bind(_ configuration: GatewayServer.Configuration, group: any EventLoopGroup) async throws
        -> GatewayListener
    {
        let children = ChildInitializer()
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 1024)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .serverChannelOption(.autoRead, value: false)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            // A client that half-closes after its last command still gets every reply.
            .childChannelOption(.allowRemoteHalfClosure, value: true)
            // Each connection keeps its last read buffer for the next read:
            // NIO's first is 2 KiB, most of what an idle session costs. A
            // busy connection's buffer doubles on every full read.
            .childChannelOption(.recvAllocator, value: AdaptiveRecvByteBufferAllocator(
                minimum: 64, initial: 256, maximum: 65536))
            .childChannelOption(
                .writeBufferWaterMark,
                value: .init(low: configuration.maxOutboundBytes / 2, high: configuration.maxOutboundBytes))
            .childChannelInitializer { children($0) }
            .bind(host: configuration.host, port: configuration.port).get()
        return GatewayListener(
            host: configuration.host, port: channel.localAddress?.port ?? configuration.port, channel: channel,
            children: children)
    }

    private init(host: String, port: Int, channel: any Channel, children: ChildInitializer) {
        self.host = host
        self.port = port
        self.channel = channel
        self.children = children
    }

    /// Starts accepting; each connection's pipeline is set up by `initializer`.
    func startAccepting(_ initializer: @escaping @Sendable (any Channel) -> EventLoopFuture<Void>) async throws {
        children.set(initializer)
        try await channel.setOption(.autoRead, value: true).get()
    }

    /// Closes the socket (a daemon that failed to start, or shutdown).
    public func close() async {
        try? await channel.close()
    }
}

/// Holds the connection set-up until the gateway provides it.
private final class ChildInitializer: Sendable {
    private let body = Mutex<(@Sendable (any Channel) -> EventLoopFuture<Void>)?>(nil)

    func set(_ initializer: @escaping @Sendable (any Channel) -> EventLoopFuture<Void>) {
        body.withLock { $0 = initializer }
    }

    func callAsFunction(_ channel: any Channel) -> EventLoopFuture<Void> {
        // The server channel reads only after `set`, so this is always there.
        guard let body = body.withLock({ $0 }) else { return channel.close() }
        return body(channel)
    }
}
