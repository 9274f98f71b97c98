import NIOCore

/// A command on its way out: the line, how its reply looks, and who waits for it.
struct OutboundCommand: Sendable {
    var line: String
    var shape: ReplyShape
    var reply: EventLoopPromise<ServerReply>
}

/// What a connection reports besides replies.
public enum ConnectionEvent: Sendable, Equatable {
    case push(ServerPush, line: String)
    /// A line that is neither a reply nor a push.
    case unsolicited(String)
}

/// Writes commands and matches the lines that come back to them (through a
/// `ReplyRouter`); pushes and stray lines go to `events`. Lines are read as
/// UTF-8, an invalid sequence becoming U+FFFD rather than failing. Lives on the
/// channel's event loop; when the channel closes every waiter fails with
/// `connectionClosed` and `events` ends.
final class ConnectionHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = OutboundCommand
    typealias OutboundOut = ByteBuffer

    private var router = ReplyRouter<EventLoopPromise<ServerReply>>()
    private let events: AsyncStream<ConnectionEvent>.Continuation

    init(greeting: EventLoopPromise<ServerReply>, events: AsyncStream<ConnectionEvent>.Continuation) {
        self.events = events
        router.expectGreeting(greeting)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch router.route(String(buffer: unwrapInboundIn(data))) {
        case .reply(let promise, let reply): promise.succeed(reply)
        case .data: break
        case .push(let push, let line): events.yield(.push(push, line: line))
        case .unsolicited(let line): events.yield(.unsolicited(line))
        }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let command = unwrapOutboundIn(data)
        router.expectReply(command.reply, shape: command.shape)
        var buffer = context.channel.allocator.buffer(capacity: command.line.utf8.count + 1)
        buffer.writeString(command.line)
        buffer.writeInteger(UInt8(ascii: "\n"))
        context.write(wrapOutboundOut(buffer), promise: promise)
    }

    func channelInactive(context: ChannelHandlerContext) {
        failEveryone()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        failEveryone()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    private func failEveryone() {
        for promise in router.drain() {
            promise.fail(MPIMClientError.connectionClosed)
        }
        events.finish()
    }
}
