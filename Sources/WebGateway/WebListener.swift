import Foundation
import Gateway
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import Operations
import ServiceLifecycle

/// The listener for browsers: the web client's page at `/` and the line
/// protocol over WebSocket at `/ws` (one line per text frame, both ways),
/// on an address of its own, apart from the operators' listener. Each
/// socket is a session of the gateway like a TCP connection.
public struct WebListener: Service {
    public struct Configuration: Sendable {
        public var origins: OriginPolicy
        /// The gateway's longest line: the longest frame accepted too.
        public var maxLineBytes: Int

        public init(origins: OriginPolicy = OriginPolicy(), maxLineBytes: Int = 65536) {
            self.origins = origins
            self.maxLineBytes = maxLineBytes
        }
    }

    private let reservation: AddressReservation
    private let configuration: Configuration
    private let gateway: GatewayServer
    private let logger: Logger

    public init(reservation: AddressReservation, configuration: Configuration, gateway: GatewayServer, logger: Logger) {
        self.reservation = reservation
        self.configuration = configuration
        self.gateway = gateway
        self.logger = logger
    }

    /// The folder of the web client's files, shipped with the binary.
    static var publicFolder: String? {
        Bundle.module.resourceURL?.appendingPathComponent("Public").path
    }

    public func run() async throws {
        let router = Router()
        if let folder = Self.publicFolder {
            router.middlewares.add(FileMiddleware(folder, searchForIndexHtml: true, logger: logger))
        } else {
            logger.warning("the web client's files are missing; only /ws is served")
        }
        let (gateway, origins) = (gateway, configuration.origins)
        // Frames somewhat past the line limit are read, so a message over it
        // is the gateway's to refuse (`-ERR line too long`, as on TCP); a
        // frame far past it is a protocol error that closes the socket. No
        // server pings: the idle timeout ends a silent client, as on TCP.
        let maxFrameBytes = configuration.maxLineBytes + 65536
        let host = reservation.host
        try await reservation.serve(
            router: router,
            server: HTTPServerBuilder { responder in
                WebChildChannel(responder: responder, gateway: gateway, origins: origins, maxFrameBytes: maxFrameBytes)
            },
            logger: logger
        ) { port in
            logger.info("web listening on \(host):\(port) (client at /, socket at /ws)")
        }
    }
}
