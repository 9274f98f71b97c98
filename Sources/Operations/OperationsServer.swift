import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// The HTTP listener for operators: `OperationsRoutes` on a Hummingbird
/// `Application`, which runs as a service of the daemon's group (keep-alive,
/// graceful shutdown and HTTP parsing are Hummingbird's).
public struct OperationsServer: Service {
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
        let (host, endpoints, logger) = (reservation.host, routes.endpoints, logger)
        try await reservation.serve(
            router: routes.router(), server: .http1(configuration: .init(idleTimeout: Self.idleTimeout)),
            logger: logger
        ) { port in
            logger.info("http listening on \(host):\(port) (\(endpoints))")
        }
    }
}
