import NIOCore
import NIOPosix

/// The HTTP listener's address, bound at start-up and held until Hummingbird
/// binds it itself.
///
/// Hummingbird's `BindAddress` names an address to bind, never a socket
/// already bound, so the daemon cannot hand it the socket it binds before
/// touching shared state. It binds this one instead, so that a taken port
/// fails start-up before Redis or SQLite are touched, and releases it just
/// before Hummingbird binds the same concrete port.
public struct AddressReservation: Sendable {
    private let channel: any Channel
    public let host: String
    /// The port held: the one configured, or the one the system chose for 0.
    public let port: Int

    /// Binds `host:port`. Throws NIO's error when it cannot be bound or resolved.
    public static func bind(host: String, port: Int, group: any EventLoopGroup) async throws -> AddressReservation {
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            // Accept nothing: a client that connects this early waits in the
            // backlog, then is refused when the reservation is released.
            .serverChannelOption(.autoRead, value: false)
            .bind(host: host, port: port)
            .get()
        return AddressReservation(channel: channel, host: host, port: channel.localAddress?.port ?? port)
    }

    /// Frees the address; once done, binding it again succeeds. Idempotent.
    public func release() async {
        try? await channel.close()
    }
}
