import Gateway
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import NIOHTTPTypesHTTP1
import NIOWebSocket

/// One connection to the web listener: HTTP/1.1 for the client's files, or,
/// when its first request upgrades at `/ws`, a WebSocket the gateway takes
/// on. A socket then runs on its channel's pipeline alone, with no task of
/// its own, so an idle one costs about what an idle TCP session does.
struct WebChildChannel: ServerChildChannel, HTTPChannelHandler {
    enum Upgrade: Sendable {
        /// The gateway runs the socket now.
        case webSocket
        case http(NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>)
        /// An upgrade asked for and refused (path, origin or handshake).
        case refused(NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>)
    }

    struct Value: ServerChildChannelValue {
        let upgrade: EventLoopFuture<Upgrade>
        let channel: any Channel
    }

    let responder: HTTPChannelHandler.Responder
    private let gateway: GatewayServer
    private let origins: OriginPolicy
    private let maxFrameBytes: Int

    init(responder: @escaping HTTPChannelHandler.Responder, gateway: GatewayServer, origins: OriginPolicy,
         maxFrameBytes: Int) {
        self.responder = Self.refusingLateUpgrades(responder)
        self.gateway = gateway
        self.origins = origins
        self.maxFrameBytes = maxFrameBytes
    }

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        channel.eventLoop.makeCompletedFuture {
            let attempted = NIOLoopBoundBox(false, eventLoop: channel.eventLoop)
            let webSocket = NIOTypedWebSocketServerUpgrader<Upgrade>(
                maxFrameSize: maxFrameBytes,
                shouldUpgrade: { [origins] channel, head in
                    attempted.value = true
                    let admitted = Self.admits(head, origins: origins, logger: logger)
                    return channel.eventLoop.makeSucceededFuture(admitted ? HTTPHeaders() : nil)
                },
                upgradePipelineHandler: { [gateway] channel, _ in
                    channel.eventLoop.makeCompletedFuture {
                        try gateway.adopt(channel) { WebSocketLines(connection: $0) }
                        return .webSocket
                    }
                })
            let upgrade = NIOTypedHTTPServerUpgradeConfiguration<Upgrade>(
                upgraders: [webSocket],
                notUpgradingCompletionHandler: { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(HTTP1ToHTTPServerCodec(secure: false))
                        try channel.pipeline.syncOperations.addHandler(HTTPConnectionStateHandler(logger: logger))
                        let http = try NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>(
                            wrappingChannelSynchronously: channel,
                            configuration: .init(isOutboundHalfClosureEnabled: true))
                        return attempted.value ? .refused(http) : .http(http)
                    }
                })
            var pipeline = NIOUpgradableHTTPServerPipelineConfiguration(upgradeConfiguration: upgrade)
            // Hummingbird answers requests in order and handles errors itself.
            pipeline.enablePipelining = false
            pipeline.enableErrorHandling = false
            pipeline.enableResponseHeaderValidation = false
            let result = try channel.pipeline.syncOperations.configureUpgradableHTTPServerPipeline(configuration: pipeline)
            return Value(upgrade: result, channel: channel)
        }
    }

    func handle(value: Value, logger: Logger) async {
        do {
            switch try await value.upgrade.get() {
            case .webSocket:
                return
            case .http(let http):
                await handleHTTP(asyncChannel: http, logger: logger)
            case .refused(let http):
                try await http.executeThenClose { _, outbound in
                    let fields: HTTPFields = [.connection: "close", .contentLength: "0"]
                    try await outbound.write(contentsOf: [.head(HTTPResponse(status: .badRequest, headerFields: fields)),
                                                          .end(nil)])
                }
            }
        } catch {
            logger.debug("web connection ended", metadata: ["error": "\(error)"])
        }
    }

    /// Whether an upgrade request may open a socket: at `/ws`, from a page
    /// the origin policy admits.
    private static func admits(_ head: HTTPRequestHead, origins: OriginPolicy, logger: Logger) -> Bool {
        let path = head.uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        guard path == "/ws" else {
            logger.info("websocket refused: no socket at this path", metadata: ["path": "\(path)"])
            return false
        }
        let origin = head.headers.first(name: "origin")
        guard origins.admits(origin: origin, host: head.headers.first(name: "host")) else {
            logger.info("websocket refused: origin not allowed", metadata: ["origin": "\(origin ?? "")"])
            return false
        }
        return true
    }

    /// NIO upgrades only a connection's first request. A later request on a
    /// kept-alive connection that asks for a socket is sent back to the same
    /// address with the connection closed, so the client asks again on a new one.
    private static func refusingLateUpgrades(_ responder: @escaping HTTPChannelHandler.Responder)
        -> HTTPChannelHandler.Responder
    {
        struct LateUpgrade: Error {}
        return { request, writer, channel in
            guard request.headers[.upgrade]?.lowercased() == "websocket" else {
                return try await responder(request, writer, channel)
            }
            let location = request.uri.query.map { "\(request.uri.path)?\($0)" } ?? request.uri.path
            try await writer.writeResponse(HTTPResponse(
                status: .temporaryRedirect, headerFields: [.connection: "close", .location: location]))
            throw LateUpgrade()
        }
    }
}
