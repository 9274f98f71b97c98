import MPIMCore
import NIOCore

/// Closes a connection that sent nothing for the idle timeout, after telling
/// the client why. Sits behind NIO's `IdleStateHandler`, which reports the
/// silence; every byte read (a PING included) restarts its clock.
final class IdleConnectionCloser: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer

    private let writer: ConnectionWriter

    init(writer: ConnectionWriter) {
        self.writer = writer
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard let idle = event as? IdleStateHandler.IdleStateEvent, idle == .read else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        writer.kick(reason: "idle timeout")
    }
}
