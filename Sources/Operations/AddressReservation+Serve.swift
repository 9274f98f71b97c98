import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import Synchronization

extension AddressReservation {
    /// Hummingbird's bind of the reserved address failed (the port was taken
    /// in the instant between release and bind): nothing was served.
    public struct BindError: Error {
        public var host: String
        public var port: Int
        public var cause: any Error
    }

    /// Runs a Hummingbird application for `router` on the reserved address,
    /// as a service of the daemon's group: the reservation is released just
    /// before Hummingbird binds the same port, and a bind that fails then is
    /// thrown as `BindError`. `listening` gets the port once it accepts.
    public func serve<Router: HTTPResponderBuilder>(
        router: Router, server: HTTPServerBuilder, logger: Logger,
        listening: @escaping @Sendable (Int) -> Void
    ) async throws where Router.Responder.Context: InitializableFromSource<ApplicationRequestContextSource> {
        let running = ListeningFlag()
        var application = Application(
            router: router,
            server: server,
            configuration: .init(address: .hostname(host, port: port)),
            onServerRunning: { channel in
                running.set()
                listening(channel.localAddress?.port ?? 0)
            },
            logger: Self.quieted(logger))
        // The last thing before Hummingbird binds: the shortest window in
        // which another process could take the port.
        application.beforeServerStarts { await self.release() }
        do {
            try await application.run()
        } catch let error where !running.isSet {
            await release()
            throw BindError(host: host, port: port, cause: error)
        }
    }

    /// Hummingbird's logger: ours at notice or above. Its info lines repeat
    /// ours in other words, and one, `Server started and listening on
    /// 127.0.0.1:8080`, reads as the gateway's `listening on` line to anyone
    /// (or any script) looking for that; its warnings and errors still show.
    private static func quieted(_ logger: Logger) -> Logger {
        var quieted = logger
        quieted.logLevel = max(logger.logLevel, .notice)
        return quieted
    }
}

/// Whether the server came up, set from Hummingbird's `onServerRunning`.
private final class ListeningFlag: Sendable {
    private let value = Mutex(false)

    var isSet: Bool { value.withLock { $0 } }

    func set() {
        value.withLock { $0 = true }
    }
}
