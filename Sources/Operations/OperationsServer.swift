import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import ServiceLifecycle

/// The HTTP listener for operators: metrics, health, admin. One request per
/// connection (answered with `Connection: close`), bodies capped.
public final class OperationsServer: Service {
    public struct Configuration: Sendable {
        public var host: String
        /// 0 picks a free port (logged).
        public var port: Int
        /// Largest request body accepted.
        public var maxBodyBytes: Int

        public init(host: String = "127.0.0.1", port: Int = 8080, maxBodyBytes: Int = 64 * 1024) {
            self.host = host
            self.port = port
            self.maxBodyBytes = maxBodyBytes
        }
    }

    /// The bound socket; connections wait in it until `run()` serves them.
    public typealias Listener = NIOAsyncChannel<NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>, Never>

    private let configuration: Configuration
    private let listener: Listener
    private let router: OperationsRouter
    private let logger: Logger

    /// Binds `configuration`'s address. Throws NIO's error when it cannot be
    /// bound or resolved.
    public static func bind(_ configuration: Configuration, group: any EventLoopGroup) async throws -> Listener {
        try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .bind(host: configuration.host, port: configuration.port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    return try NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>(
                        wrappingChannelSynchronously: channel)
                }
            }
    }

    public init(configuration: Configuration, listener: Listener, router: OperationsRouter, logger: Logger) {
        self.configuration = configuration
        self.listener = listener
        self.router = router
        self.logger = logger
    }

    /// The port bound.
    public var port: Int { listener.channel.localAddress?.port ?? configuration.port }

    public func run() async throws {
        let server = listener
        logger.info("http listening on \(configuration.host):\(port) (\(router.endpoints))")
        try await withGracefulShutdownHandler {
            try await server.executeThenClose { connections in
                try await withThrowingDiscardingTaskGroup { group in
                    for try await connection in connections {
                        group.addTask { await self.serve(connection) }
                    }
                }
            }
        } onGracefulShutdown: {
            server.channel.close(promise: nil)
        }
    }

    private func serve(_ connection: NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>) async {
        do {
            try await connection.executeThenClose { inbound, outbound in
                var head: HTTPRequestHead?
                var body = ByteBuffer()
                for try await part in inbound {
                    switch part {
                    case .head(let requestHead):
                        head = requestHead
                    case .body(var chunk):
                        guard body.readableBytes + chunk.readableBytes <= configuration.maxBodyBytes else {
                            try await write(.init(status: 413, contentType: "application/json",
                                                  body: "{\"error\":\"body too large\"}\n"), to: outbound)
                            return
                        }
                        body.writeBuffer(&chunk)
                    case .end:
                        guard let head else { return }
                        let request = OperationsRequest(
                            method: head.method.rawValue, uri: head.uri,
                            authorization: head.headers.first(name: "authorization"),
                            body: String(buffer: body))
                        let response = await router.respond(to: request)
                        try await write(response, to: outbound)
                        return
                    }
                }
            }
        } catch {
            logger.debug("http connection failed", metadata: ["error": "\(error)"])
        }
    }

    private func write(_ response: OperationsResponse,
                       to outbound: NIOAsyncChannelOutboundWriter<HTTPServerResponsePart>) async throws {
        let bytes = ByteBuffer(string: response.body)
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: response.contentType)
        headers.add(name: "Content-Length", value: String(bytes.readableBytes))
        if let allow = response.allow { headers.add(name: "Allow", value: allow) }
        headers.add(name: "Connection", value: "close")
        let head = HTTPResponseHead(version: .http1_1, status: .init(statusCode: response.status), headers: headers)
        try await outbound.write(contentsOf: [.head(head), .body(.byteBuffer(bytes)), .end(nil)])
    }
}

extension OperationsRouter {
    /// What the listener serves, as its start-up line says it.
    var endpoints: String {
        admin == nil ? "metrics, healthz; admin API off: no [http] admin_token" : "metrics, healthz, admin"
    }
}
