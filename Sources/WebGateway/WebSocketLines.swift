import MPIMLineCodec
import NIOCore
import NIOWebSocket

/// The outbound half of a WebSocket connection as the gateway sees it:
/// the gateway writes lines (byte buffers of `line\n` runs, as to a TCP
/// client) and each line leaves as one text frame, without its newline.
/// Closing the channel sends a close frame first (1000, or 1001 when the
/// server shuts down), so a browser sees a clean close after a `KICKED` line.
///
/// Sits at the end of the upgraded channel's pipeline, after Hummingbird's
/// own handlers, so only the gateway's writes pass through it.
final class WebSocketLines: ChannelOutboundHandler, Sendable {
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = WebSocketFrame

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        WebSocketLineFrames.write(unwrapOutboundIn(data), masked: false, to: context, promise: promise)
    }

    func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
        var code = context.channel.allocator.buffer(capacity: 2)
        code.write(webSocketErrorCode: .normalClosure)
        context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .connectionClose, data: code)))
            .whenComplete { _ in context.close(mode: mode == .output ? .all : mode, promise: promise) }
    }
}
