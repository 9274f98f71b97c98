import NIOCore
import NIOWebSocket

/// A refused upgrade: the server answered with this status line.
public struct WebSocketRefused: Error, CustomStringConvertible {
    public var statusLine: String
    public var description: String { "upgrade refused: \(statusLine)" }
}

/// The client side of the opening handshake (RFC 6455 §4.1), then the given
/// handlers in its place: for a client of the line protocol's WebSocket
/// transport (the bench, the tests), which sends an `Origin` when asked to,
/// as a browser does.
public final class WebSocketClientHandshake: ChannelInboundHandler, RemovableChannelHandler {
    public typealias InboundIn = ByteBuffer

    private let path: String
    private let host: String
    private let origin: String?
    private let upgraded: EventLoopPromise<Void>
    private let then: [any ChannelHandler]
    private var response = ByteBuffer()

    /// - Parameters:
    ///   - host: the `Host` header (`127.0.0.1:8088`).
    ///   - upgraded: succeeds once the server switched protocols and `then`
    ///     is in place; fails with `WebSocketRefused` for another answer.
    ///   - then: the handlers that take over after the handshake, in order.
    public init(path: String, host: String, origin: String?, upgraded: EventLoopPromise<Void>,
                then: [any ChannelHandler]) {
        self.path = path
        self.host = host
        self.origin = origin
        self.upgraded = upgraded
        self.then = then
    }

    public func channelActive(context: ChannelHandlerContext) {
        let key = (0..<16).map { _ in UInt8.random(in: 0...255) }
        var request = "GET \(path) HTTP/1.1\r\nHost: \(host)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: \(base64(key))\r\nSec-WebSocket-Version: 13\r\n"
        if let origin { request += "Origin: \(origin)\r\n" }
        request += "\r\n"
        context.writeAndFlush(NIOAny(context.channel.allocator.buffer(string: request)), promise: nil)
        context.fireChannelActive()
    }

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        response.writeBuffer(&bytes)
        guard let end = response.readableBytesView.firstRange(of: Array("\r\n\r\n".utf8)) else { return }
        let head = String(decoding: response.readableBytesView[..<end.lowerBound], as: UTF8.self)
        let statusLine = head.split(separator: "\r\n").first.map(String.init) ?? head
        guard statusLine.hasPrefix("HTTP/1.1 101") else {
            upgraded.fail(WebSocketRefused(statusLine: statusLine))
            context.close(promise: nil)
            return
        }
        response.moveReaderIndex(to: end.upperBound)
        let rest = response
        do {
            try context.pipeline.syncOperations.addHandlers(then, position: .after(self))
        } catch {
            upgraded.fail(error)
            return
        }
        upgraded.succeed()
        // Frames that came in the same read as the answer (the greeting, often)
        // go to the frame decoder now, before this handler leaves.
        if rest.readableBytes > 0 { context.fireChannelRead(NIOAny(rest)) }
        context.pipeline.syncOperations.removeHandler(self, promise: nil)
    }

    public func channelInactive(context: ChannelHandlerContext) {
        upgraded.fail(ChannelError.ioOnClosedChannel)
        context.fireChannelInactive()
    }

    private func base64(_ bytes: [UInt8]) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
        var out = ""
        for chunk in stride(from: 0, to: bytes.count, by: 3) {
            let b = Array(bytes[chunk..<min(chunk + 3, bytes.count)]) + [0, 0]
            let n = (UInt32(b[0]) << 16) | (UInt32(b[1]) << 8) | UInt32(b[2])
            let count = min(3, bytes.count - chunk)
            for i in 0..<4 {
                out.append(i <= count ? alphabet[Int((n >> UInt32(18 - 6 * i)) & 63)] : "=")
            }
        }
        return out
    }
}

/// Frames to lines and back, for a client of the line protocol: each text
/// frame received is handed on as a line with its newline (so the
/// `LineFrameDecoder` after it sees what a TCP client would), pings are
/// answered, a close is answered and closes; each line written (byte
/// buffers of `line\n` runs, as to a TCP server) leaves as one masked text
/// frame, as a client's must.
public final class WebSocketClientLines: ChannelDuplexHandler, Sendable {
    public typealias InboundIn = WebSocketFrame
    public typealias InboundOut = ByteBuffer
    public typealias OutboundIn = ByteBuffer
    public typealias OutboundOut = WebSocketFrame

    public init() {}

    /// The handlers after a client handshake, for a line client whose own
    /// handler (`lineHandler`) reads lines: frame codec, this, line framing.
    public static func pipeline(maxLineBytes: Int, then lineHandler: any ChannelHandler) -> [any ChannelHandler] {
        [ByteToMessageHandler(WebSocketFrameDecoder(maxFrameSize: maxLineBytes)), WebSocketFrameEncoder(),
         WebSocketClientLines(), ByteToMessageHandler(LineFrameDecoder(maxLineBytes: maxLineBytes)), lineHandler]
    }

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        switch frame.opcode {
        case .text, .binary, .continuation:
            var line = frame.unmaskedData
            if frame.fin { line.writeInteger(UInt8(ascii: "\n")) }
            context.fireChannelRead(wrapInboundOut(line))
        case .ping:
            context.writeAndFlush(wrapOutboundOut(masked(.pong, frame.unmaskedData)), promise: nil)
        case .connectionClose:
            context.writeAndFlush(wrapOutboundOut(masked(.connectionClose, frame.unmaskedData)))
                .whenComplete { _ in context.close(promise: nil) }
        default:
            break
        }
    }

    public func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        WebSocketLineFrames.write(unwrapOutboundIn(data), masked: true, to: context, promise: promise)
    }

    /// Writes one frame as it is, after what was written before (on the
    /// channel's event loop).
    public static func writeFrame(_ frame: WebSocketFrame, on channel: any Channel) -> EventLoopFuture<Void> {
        channel.eventLoop.submit {
            try channel.pipeline.syncOperations.context(handlerType: WebSocketClientLines.self)
        }.flatMap { context in
            context.writeAndFlush(NIOAny(frame))
        }
    }

    private func masked(_ opcode: WebSocketOpcode, _ data: ByteBuffer) -> WebSocketFrame {
        WebSocketFrame(fin: true, opcode: opcode, maskKey: .random(), data: data)
    }
}

/// The line protocol over WebSocket, one line per text frame: how a run of
/// `line\n` lines, as written to a TCP peer, leaves as frames. The server's
/// and the clients' outbound handlers both write through it.
public enum WebSocketLineFrames {
    /// Writes each line of `lines` (a last one without its newline too) as
    /// one text frame, masked as a client's must be when `masked`, through
    /// `context` to the frame encoder; `promise` completes with the last write.
    public static func write(_ lines: ByteBuffer, masked: Bool, to context: ChannelHandlerContext,
                             promise: EventLoopPromise<Void>?) {
        var lines = lines
        var last: EventLoopFuture<Void>?
        func frame(_ line: ByteBuffer) {
            last = context.write(NIOAny(WebSocketFrame(
                fin: true, opcode: .text, maskKey: masked ? .random() : nil, data: line)))
        }
        while let newline = lines.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) {
            frame(lines.readSlice(length: newline - lines.readerIndex)!)
            lines.moveReaderIndex(forwardBy: 1)
        }
        if lines.readableBytes > 0 { frame(lines) }
        if let promise {
            if let last { last.cascade(to: promise) } else { promise.succeed() }
        }
    }
}

extension WebSocketFrame {
    /// A frame of `text` from a client (masked), for tests that send frames as they are.
    public static func clientText(_ text: String, opcode: WebSocketOpcode = .text) -> WebSocketFrame {
        WebSocketFrame(fin: true, opcode: opcode, maskKey: .random(), data: ByteBuffer(string: text))
    }
}
