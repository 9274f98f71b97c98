import Foundation
import Gateway
import Hummingbird
import HummingbirdWebSocket
import Logging
import NIOCore
import NIOWebSocket
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
        let router = Router(context: WebRequestContext.self)
        if let folder = Self.publicFolder {
            router.middlewares.add(FileMiddleware(folder, searchForIndexHtml: true, logger: logger))
        } else {
            logger.warning("the web client's files are missing; only /ws is served")
        }
        let (origins, gateway, logger) = (configuration.origins, gateway, logger)
        router.ws("/ws") { request, _ in
            let origin = request.headers[.origin]
            guard origins.admits(origin: origin, host: request.head.authority) else {
                logger.info("websocket refused: origin not allowed", metadata: ["origin": "\(origin ?? "")"])
                throw HTTPError(.forbidden, message: "origin not allowed")
            }
            return .upgrade([:])
        } onUpgrade: { inbound, _, context in
            await Self.serve(inbound, on: context.requestContext.channel, gateway: gateway, logger: logger)
        }
        let host = reservation.host
        try await reservation.serve(
            router: router,
            // No server pings: the idle timeout ends a silent client, as on TCP,
            // and a timer per socket would cost every idle session memory.
            // Frames somewhat past the line limit are read, so a message over
            // it is the gateway's to refuse (`-ERR line too long`, as on TCP);
            // a frame far past it is a protocol error that closes the socket.
            server: .http1WebSocketUpgrade(
                webSocketRouter: router,
                configuration: .init(ws: .init(maxFrameSize: configuration.maxLineBytes + 65536, autoPing: .disabled))),
            logger: logger
        ) { port in
            logger.info("web listening on \(host):\(port) (client at /, socket at /ws)")
        }
    }

    /// Runs one socket: the gateway takes the channel on, and each message
    /// received is handed to it as a line.
    private static func serve(
        _ inbound: WebSocketInboundStream, on channel: any Channel, gateway: GatewayServer, logger: Logger
    ) async {
        let connection: AdoptedConnection
        do {
            try await channel.pipeline.addHandler(WebSocketLines(), position: .last).get()
            connection = try await gateway.adopt(channel)
        } catch {
            logger.warning("websocket not taken on", metadata: ["error": "\(error)"])
            return
        }
        var message = ByteBuffer()
        var isText = true
        var tooLong = false
        do {
            for try await frame in inbound {
                if frame.opcode != .continuation {
                    message.clear()
                    isText = frame.opcode == .text
                    tooLong = false
                }
                guard !tooLong else { continue }
                var data = frame.data
                message.writeBuffer(&data)
                if message.readableBytes > connection.maxLineBytes {
                    tooLong = true
                    connection.receivedTooLong()
                    continue
                }
                guard frame.fin else { continue }
                if isText {
                    connection.received(line: message)
                } else {
                    connection.receivedBinary()
                }
            }
        } catch {
            logger.debug("websocket ended", metadata: ["error": "\(error)"])
        }
        connection.closed()
    }

}
