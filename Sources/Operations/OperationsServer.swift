import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

/// The HTTP listener for operators: `OperationsRoutes` on a Hummingbird
/// `Application`, which runs as a service of the daemon's group (keep-alive,
/// graceful shutdown and HTTP parsing are Hummingbird's).
public struct OperationsServer: Service {
    /// Hummingbird's bind of the reserved address failed (the port was taken
    /// in the instant between release and bind): nothing was served.
    public struct BindError: Error {
        public var host: String
        public var port: Int
        public var cause: any Error
    }

    /// How long a keep-alive connection may sit idle before it is closed.
    static let idleTimeout: TimeAmount = .seconds(60)

    private let reservation: AddressReservation
    private let routes: OperationsRoutes
    private let logger: Logger

    public init(reservation: AddressReservation, routes: OperationsRoutes, logger: Logger) {
        self.reservation = reservation
        self.routes = routes
        self.logger = logger
    }

    public func run() async throws {
        let listening = ListeningFlag()
        let (host, endpoints, logger) = (reservation.host, routes.endpoints, logger)
        var application = Application(
            router: routes.router(),
            server: .http1(configuration: .init(idleTimeout: Self.idleTimeout)),
            configuration: .init(address: .hostname(host, port: reservation.port)),
            onServerRunning: { channel in
                listening.set()
                logger.info("http listening on \(host):\(channel.localAddress?.port ?? 0) (\(endpoints))")
            },
            logger: Self.quieted(logger))
        // The last thing before Hummingbird binds: the shortest window in
        // which another process could take the port.
        application.beforeServerStarts { [reservation] in await reservation.release() }
        do {
            try await application.run()
        } catch let error where !listening.isSet {
            await reservation.release()
            throw BindError(host: host, port: reservation.port, cause: error)
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
