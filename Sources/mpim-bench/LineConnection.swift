import MPIMLineCodec
import NIOCore
import NIOPosix

/// One client connection, driven entirely on its event loop.
///
/// Replies come in the order of the commands, so the connection keeps a queue
/// of what each written command waits for: a promise (set-up steps) or just the
/// time it was sent (the measured load, handed to `onTimedReply` without any
/// allocation per line). Lines that are not replies are pushes (`onPush`).
/// Writes made while inbound lines are being handled are flushed once, when the
/// read burst ends.
final class BenchConnection: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private enum Awaiting {
        case promise(EventLoopPromise<String>)
        case timed(sentAt: UInt64)
    }

    /// What the first line from the server is.
    enum Greeting {
        /// An mpim gateway: the first line is `+OK welcome …`.
        case expected
        /// Any line server: lines starting `+OK welcome` are ignored wherever they come.
        case ignored
    }

    private let greetingMode: Greeting
    private let eventLoop: any EventLoop
    private var greetingPromise: EventLoopPromise<String>?
    /// The `+OK welcome…` line, once it arrived (nil when greetings are ignored).
    let greeting: EventLoopFuture<String>?
    private var context: ChannelHandlerContext?
    private var awaiting = CircularBuffer<Awaiting>(initialCapacity: 16)
    private var inReadBurst = false
    private var needsFlush = false
    private var closedByUs = false

    /// A reply to a `sendTimed` command: the line and the time its command was stamped with.
    var onTimedReply: ((ByteBuffer, UInt64) -> Void)?
    /// A line the server wrote on its own (MSG, GMSG, PRESENCE, KICKED).
    var onPush: ((ByteBuffer) -> Void)?
    /// The connection went away without `close()`; the argument counts the timed commands it took along.
    var onLost: ((_ unansweredTimed: Int) -> Void)?

    init(greeting: Greeting, eventLoop: any EventLoop) {
        self.greetingMode = greeting
        self.eventLoop = eventLoop
        greetingPromise = greeting == .expected ? eventLoop.makePromise() : nil
        self.greeting = greetingPromise?.futureResult
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    /// Writes `line` and waits for its reply.
    func request(_ line: String) -> EventLoopFuture<String> {
        guard let context else {
            return eventLoop.makeFailedFuture(BenchError("connection is closed"))
        }
        let promise = eventLoop.makePromise(of: String.self)
        awaiting.append(.promise(promise))
        var buffer = context.channel.allocator.buffer(capacity: line.utf8.count + 1)
        buffer.writeString(line)
        buffer.writeInteger(UInt8(ascii: "\n"))
        write(buffer)
        return promise.futureResult
    }

    /// Writes a complete command line (ending in `\n`) whose reply goes to `onTimedReply` with `sentAt`.
    /// False if the connection is closed already.
    @discardableResult
    func sendTimed(_ line: ByteBuffer, sentAt: UInt64) -> Bool {
        guard context != nil else { return false }
        awaiting.append(.timed(sentAt: sentAt))
        write(line)
        return true
    }

    var allocator: ByteBufferAllocator { context?.channel.allocator ?? ByteBufferAllocator() }

    /// Closes the connection on purpose: nothing counts as lost.
    func close() {
        closedByUs = true
        context?.close(promise: nil)
    }

    private func write(_ buffer: ByteBuffer) {
        guard let context else { return }
        context.write(wrapOutboundOut(buffer), promise: nil)
        if inReadBurst {
            needsFlush = true
        } else {
            context.flush()
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        inReadBurst = true
        let line = unwrapInboundIn(data)
        if let promise = greetingPromise {
            greetingPromise = nil
            promise.succeed(String(buffer: line))
            return
        }
        switch LineKind(line) {
        case .push:
            onPush?(line)
        case .greeting where greetingMode == .ignored:
            break
        case .reply, .greeting:
            switch awaiting.popFirst() {
            case .promise(let promise):
                promise.succeed(String(buffer: line))
            case .timed(let sentAt):
                onTimedReply?(line, sentAt)
            case nil:
                onPush?(line)  // a reply to nothing: let the role count it as unexpected
            }
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        inReadBurst = false
        if needsFlush {
            needsFlush = false
            context.flush()
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        let error = BenchError("connection closed by the server")
        greetingPromise?.fail(error)
        greetingPromise = nil
        var timed = 0
        while let waiting = awaiting.popFirst() {
            switch waiting {
            case .promise(let promise): promise.fail(error)
            case .timed: timed += 1
            }
        }
        if !closedByUs { onLost?(timed) }
        // Break the cycles between this handler and the roles' closures.
        onTimedReply = nil
        onPush = nil
        onLost = nil
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}

/// How a server line is read: replies start with `+` or `-` (Redis's `:` and `$` too).
enum LineKind: Equatable {
    case reply, push, greeting

    init(_ line: ByteBuffer) {
        switch line.readableBytesView.first {
        case UInt8(ascii: "+"):
            self = line.readableBytesView.starts(with: "+OK welcome".utf8) ? .greeting : .reply
        case UInt8(ascii: "-"), UInt8(ascii: ":"), UInt8(ascii: "$"):
            self = .reply
        default:
            self = .push
        }
    }
}

/// A connection as the set-up code sees it from any thread: every call hops to its event loop.
struct Connection: Sendable {
    /// The longest server line read; a longer one closes the connection, so a broken
    /// server cannot make the bench buffer without end.
    static let serverLineLimit = 1 << 20

    let channel: any Channel
    let handler: NIOLoopBound<BenchConnection>

    var eventLoop: any EventLoop { channel.eventLoop }

    /// Opens a TCP connection on `eventLoop`, or a WebSocket at `/ws` over it
    /// (and, for a gateway, waits for its greeting).
    static func open(host: String, port: Int, on eventLoop: any EventLoop,
                     greeting: BenchConnection.Greeting, webSocket: Bool = false) async throws -> Connection {
        let upgraded = eventLoop.makePromise(of: Void.self)
        let channel = try await ClientBootstrap(group: eventLoop)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .connectTimeout(.seconds(10))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let lines = BenchConnection(greeting: greeting, eventLoop: channel.eventLoop)
                    guard webSocket else {
                        upgraded.succeed()
                        return try channel.pipeline.syncOperations.addHandlers(
                            ByteToMessageHandler(LineFrameDecoder(maxLineBytes: serverLineLimit)), lines)
                    }
                    try channel.pipeline.syncOperations.addHandler(WebSocketClientHandshake(
                        path: "/ws", host: "\(host):\(port)", origin: nil, upgraded: upgraded,
                        then: WebSocketClientLines.pipeline(maxLineBytes: serverLineLimit, then: lines)))
                }
            }
            .connect(host: host, port: port)
            .get()
        try await upgraded.futureResult.get()
        let (handler, greetingLine) = try await eventLoop.submit {
            let handler = try channel.pipeline.syncOperations.handler(type: BenchConnection.self)
            return (NIOLoopBound(handler, eventLoop: eventLoop), handler.greeting)
        }.get()
        let connection = Connection(channel: channel, handler: handler)
        if let greetingLine {
            let line = try await greetingLine.get()
            guard line.hasPrefix("+OK welcome") else {
                connection.close()
                throw BenchError("\(host):\(port) greeted with \"\(line)\", not \"+OK welcome…\"")
            }
        }
        return connection
    }

    /// Writes `line` and returns its reply.
    func request(_ line: String) async throws -> String {
        try await eventLoop.flatSubmit { [handler] in handler.value.request(line) }.get()
    }

    func close() {
        eventLoop.execute { [handler] in handler.value.close() }
    }
}

struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
