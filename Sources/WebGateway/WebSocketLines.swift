import Gateway
import MPIMLineCodec
import NIOCore
import NIOWebSocket

/// A WebSocket connection as the gateway sees it, last in the upgraded
/// channel's pipeline: each text message received is one line for the
/// session (fragments joined), and each line the gateway writes (byte
/// buffers of `line\n` runs, as to a TCP client) leaves as one text frame.
/// Pings are answered; a close is answered with a close and ends the
/// connection; closing the channel sends a close frame first, so a browser
/// sees a clean close after a `KICKED` line.
final class WebSocketLines: ChannelDuplexHandler {
    typealias InboundIn = WebSocketFrame
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = WebSocketFrame

    /// Where a message being received stands.
    private enum Message {
        case none
        case text(ByteBuffer)
        case binary
        /// Past the line limit: refused, its remaining frames skipped.
        case tooLong
    }

    private let connection: AdoptedConnection
    private var message = Message.none
    private var closeSent = false

    init(connection: AdoptedConnection) {
        self.connection = connection
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        // RFC 6455 §5.1: a client masks every frame.
        guard frame.maskKey != nil else { return fail(context, .protocolError) }
        switch frame.opcode {
        case .text:
            guard case .none = message else { return fail(context, .protocolError) }
            received(text: frame.unmaskedData, fin: frame.fin, context: context)
        case .binary:
            guard case .none = message else { return fail(context, .protocolError) }
            message = .binary
            receivedRest(of: frame)
        case .continuation:
            switch message {
            case .none:
                fail(context, .protocolError)
            case .text(var text):
                // Drop the reference `message` holds, so the buffer grows in place.
                message = .none
                var data = frame.unmaskedData
                text.writeBuffer(&data)
                received(text: text, fin: frame.fin, context: context)
            case .binary, .tooLong:
                receivedRest(of: frame)
            }
        case .ping:
            context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .pong, data: frame.unmaskedData)),
                                  promise: nil)
        case .pong:
            break
        case .connectionClose:
            // Answered by `close` below with a close frame of our own.
            context.channel.close(promise: nil)
        default:
            fail(context, .protocolError)
        }
    }

    /// A text message so far; a whole one goes to the session as a line.
    private func received(text: ByteBuffer, fin: Bool, context: ChannelHandlerContext) {
        if text.readableBytes > connection.maxLineBytes {
            message = fin ? .none : .tooLong
            connection.receivedTooLong()
        } else if !fin {
            message = .text(text)
        } else if connection.received(line: text) {
            // The session is behind: read no more until it catches up (the gateway turns reading back on).
            context.channel.setOption(ChannelOptions.autoRead, value: false).whenFailure { _ in }
        }
    }

    /// A frame of a message that is refused whole: answered once, at its end.
    private func receivedRest(of frame: WebSocketFrame) {
        guard frame.fin else { return }
        if case .binary = message { connection.receivedBinary() }
        message = .none
    }

    /// Ends the connection for a frame the protocol does not allow.
    private func fail(_ context: ChannelHandlerContext, _ code: WebSocketErrorCode) {
        message = .none
        closeSent = true
        context.writeAndFlush(wrapOutboundOut(closeFrame(code, context: context)))
            .assumeIsolated().whenComplete { _ in context.close(promise: nil) }
    }

    func channelInactive(context: ChannelHandlerContext) {
        connection.closed()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // NIO's protocol error handler, before this one, has sent the close frame.
        context.close(promise: nil)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        WebSocketLineFrames.write(unwrapOutboundIn(data), masked: false, to: context, promise: promise)
    }

    func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
        guard !closeSent else { return context.close(mode: mode, promise: promise) }
        closeSent = true
        context.writeAndFlush(wrapOutboundOut(closeFrame(.normalClosure, context: context)))
            .assumeIsolated().whenComplete { _ in context.close(mode: mode == .output ? .all : mode, promise: promise) }
    }

    private func closeFrame(_ code: WebSocketErrorCode, context: ChannelHandlerContext) -> WebSocketFrame {
        var data = context.channel.allocator.buffer(capacity: 2)
        data.write(webSocketErrorCode: code)
        return WebSocketFrame(fin: true, opcode: .connectionClose, data: data)
    }
}
