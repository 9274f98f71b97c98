import MPIMLineCodec
import NIOCore
import NIOPosix
import NIOWebSocket

/// A WebSocket connection that sees frames as they are, for tests of the
/// transport itself (pings, closes, fragments, masking): each frame
/// received reads as a line naming it: `text +OK pong`, `pong hello`,
/// `close 1002`, `binary 3`.
public final class FrameClient: Sendable {
    private let channel: any Channel
    private let frames: LineQueue

    public static func connect(port: Int, path: String = "/ws") async throws -> FrameClient {
        let group = MultiThreadedEventLoopGroup.singleton
        let upgraded = group.next().makePromise(of: Void.self)
        let frames = LineQueue()
        let channel = try await ClientBootstrap(group: group)
            .connectTimeout(.seconds(5))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let then: [any ChannelHandler] = [
                        ByteToMessageHandler(WebSocketFrameDecoder(maxFrameSize: 1 << 24)),
                        WebSocketFrameEncoder(), FrameNamer(frames: frames),
                    ]
                    try channel.pipeline.syncOperations.addHandler(WebSocketClientHandshake(
                        path: path, host: "127.0.0.1:\(port)", origin: nil, upgraded: upgraded, then: then))
                }
            }
            .connect(host: "127.0.0.1", port: port)
            .get()
        try await upgraded.futureResult.get()
        return FrameClient(channel: channel, frames: frames)
    }

    private init(channel: any Channel, frames: LineQueue) {
        self.channel = channel
        self.frames = frames
    }

    /// Sends one frame exactly as given: masked or not, fragment or whole.
    public func send(_ frame: WebSocketFrame) async throws {
        try await channel.writeAndFlush(frame).get()
    }

    /// The next frame received, named.
    public func next(timeout: Duration = defaultTimeout) async throws -> String {
        switch await frames.next(timeout: timeout) {
        case .line(let frame): return frame
        case .closed: throw TestFailure("[frames] connection closed, no frame")
        case .timedOut: throw TestFailure("[frames] no frame within \(timeout)")
        }
    }

    /// Waits for the server to close the connection; frames still unread are skipped.
    public func waitClosed(timeout: Duration = defaultTimeout) async throws {
        let deadline = ContinuousClock.now + timeout
        while true {
            switch await frames.next(timeout: deadline - ContinuousClock.now) {
            case .line: continue
            case .closed: return
            case .timedOut: throw TestFailure("[frames] connection still open after \(timeout)")
            }
        }
    }

    public func close() {
        channel.close(promise: nil)
    }
}

extension WebSocketFrame {
    /// A client's frame (masked unless told otherwise) of `text`.
    public static func client(_ opcode: WebSocketOpcode, _ text: String = "", fin: Bool = true,
                              masked: Bool = true) -> WebSocketFrame {
        WebSocketFrame(fin: fin, opcode: opcode, maskKey: masked ? .random() : nil, data: ByteBuffer(string: text))
    }

    /// A client's close frame with a status code.
    public static func clientClose(_ code: WebSocketErrorCode) -> WebSocketFrame {
        var data = ByteBuffer()
        data.write(webSocketErrorCode: code)
        return WebSocketFrame(fin: true, opcode: .connectionClose, maskKey: .random(), data: data)
    }
}

/// Names each frame received into the queue; lives on the channel's event loop.
private final class FrameNamer: ChannelInboundHandler {
    typealias InboundIn = WebSocketFrame

    private let frames: LineQueue

    init(frames: LineQueue) {
        self.frames = frames
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        var payload = frame.unmaskedData
        let name: String
        switch frame.opcode {
        case .text: name = "text \(String(buffer: payload))"
        case .pong: name = "pong \(String(buffer: payload))"
        case .connectionClose:
            let code = payload.readWebSocketErrorCode().map { "\(UInt16(webSocketErrorCode: $0))" } ?? "none"
            name = "close \(code)"
        default: name = "\(frame.opcode) \(payload.readableBytes)"
        }
        frames.append(frame.fin ? name : name + " (not fin)")
    }

    func channelInactive(context: ChannelHandlerContext) {
        frames.finish()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
