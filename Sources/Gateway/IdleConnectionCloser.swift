import MPIMCore
import NIOCore

/// Closes a connection that sent nothing for the idle timeout, after telling
/// the client why. First in the pipeline, so every byte read (a PING
/// included, or a WebSocket frame of any kind) restarts its clock.
///
/// One timer per connection, moved only when it fires: a read just notes
/// the time, and the timer, when due, sleeps again for what is left. (NIO's
/// `IdleStateHandler` works the same way, but with a second handler to act
/// on its event, which every idle session paid for.)
final class IdleConnectionCloser: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private let writer: ConnectionWriter
    private let timeout: TimeAmount
    private var lastRead = NIODeadline.uptimeNanoseconds(0)
    private var timer: Scheduled<Void>?

    init(writer: ConnectionWriter, timeout: TimeAmount) {
        self.writer = writer
        self.timeout = timeout
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { start(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        start(context)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        lastRead = context.eventLoop.now
        context.fireChannelRead(data)
    }

    func channelInactive(context: ChannelHandlerContext) {
        stop()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        stop()
    }

    private func start(_ context: ChannelHandlerContext) {
        guard timer == nil else { return }
        lastRead = context.eventLoop.now
        schedule(context, at: lastRead + timeout)
    }

    private func schedule(_ context: ChannelHandlerContext, at deadline: NIODeadline) {
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        timer = context.eventLoop.scheduleTask(deadline: deadline) {
            let (closer, context) = loopBound.value
            closer.due(context)
        }
    }

    private func due(_ context: ChannelHandlerContext) {
        guard context.channel.isActive else { return }
        let deadline = lastRead + timeout
        if deadline > context.eventLoop.now {
            schedule(context, at: deadline)
        } else {
            timer = nil
            writer.kick(reason: "idle timeout")
        }
    }

    private func stop() {
        timer?.cancel()
        timer = nil
    }
}
