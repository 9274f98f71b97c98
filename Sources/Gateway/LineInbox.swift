import Logging
import MPIMCore
import MPIMLineCodec
import NIOCore
import Synchronization

/// One connection's received lines on their way to its session.
///
/// The event loop puts lines in; a task takes them out and runs them through
/// the session, one at a time, and ends when the inbox is empty. A SEND or
/// SENDGROUP that arrives while no line waits and no task runs is submitted
/// by the event loop itself. An idle
/// connection so holds no task at all — a task keeps the memory its deepest
/// call ever needed until it ends, and a long-lived task per connection cost
/// more than everything else an idle session holds. Past `pauseAt` waiting
/// lines the connection stops reading (TCP backpressure) until the session
/// catches up.
final class LineInbox: Sendable {
    enum Item {
        /// A line; `admitted` once the rate limiter has counted it.
        case line(ByteBuffer, admitted: Bool)
        /// The client sent a line over the limit: answer, then close.
        case lineTooLong
        /// A line the transport refused (a WebSocket frame that is not one
        /// line of text): answered in turn, not run.
        case refused(GatewayError)
        /// The client closed its sending side (`printf … | nc`): answer what
        /// it sent, then close.
        case inputEnded
        /// The connection is gone: end the session.
        case closed
    }

    private struct State {
        var items = CircularBuffer<Item>(initialCapacity: 4)
        var draining = false
        var paused = false
        var limiter: LineRateLimiter<ContinuousClock.Instant>
        var rateLimitLog = RateLimitLog<ContinuousClock.Instant>(interval: LineInbox.rateLimitWarningInterval)
        /// After QUIT or an over-long line, remaining lines are not run.
        var closing = false
        /// The event loop holds the session (`draining` set by `claimSession`).
        var claimedHere = false
    }

    static let pauseAt = 512
    static let resumeAt = 64
    /// At most one rate-limit warning per connection this often.
    static let rateLimitWarningInterval = Duration.seconds(10)

    private let state: Mutex<State>
    private let session: Session
    private let writer: ConnectionWriter
    private var channel: any Channel { writer.channel }
    private let write: ReplyWriter
    private let ended: @Sendable () -> Void

    init(session: Session, writer: ConnectionWriter, linesPerSecond: Int, ended: @escaping @Sendable () -> Void) {
        self.state = Mutex(State(limiter: LineRateLimiter(linesPerSecond: linesPerSecond, now: ContinuousClock.now)))
        self.session = session
        self.writer = writer
        let channel = writer.channel
        self.write = ReplyWriter(allocator: channel.allocator) { try await channel.writeAndFlush($0).get() }
        self.ended = ended
    }

    /// Queues an item (on the event loop); true when the connection should stop reading.
    func receive(_ item: Item) -> Bool {
        var item = item
        if case .line(let bytes, _) = item, claimSession() {
            // Nothing else runs this session now: a send goes straight to the
            // message writer from here, without a task and its thread hop.
            if session.submitIfSend(bytes) {
                state.withLock { state in
                    state.draining = false
                    state.claimedHere = false
                }
                return false
            }
            item = .line(bytes, admitted: true)
        }
        let (start, pause) = state.withLock { state -> (Bool, Bool) in
            state.items.append(item)
            let start = !state.draining || state.claimedHere
            state.draining = true
            state.claimedHere = false
            let pause = !state.paused && state.items.count >= Self.pauseAt
            if pause { state.paused = true }
            return (start, pause)
        }
        if start {
            Task { await self.drain() }
        }
        return pause
    }

    /// Takes the session for the event loop when no line waits and no task
    /// runs it, and the line is within the rate limit (which then counts it).
    private func claimSession() -> Bool {
        state.withLock { state in
            guard !state.draining, state.items.isEmpty, !state.closing,
                  state.limiter.admit(now: ContinuousClock.now)
            else { return false }
            state.draining = true
            state.claimedHere = true
            return true
        }
    }

    private func drain() async {
        while let item = next() {
            switch item {
            case .line(let bytes, let admitted):
                await run(bytes, admitted: admitted)
            case .lineTooLong:
                state.withLock { $0.closing = true }
                writer.recordEnd("line too long")
                GatewayMetrics.rejected(.lineTooLong)
                await session.settle()
                try? await write(GatewayError.lineTooLong.replyLine)
                await Self.lingeringClose(channel)
            case .refused(let error):
                await session.settle()
                try? await write(error.replyLine)
            case .inputEnded:
                await session.settle()
                state.withLock { $0.closing = true }
                try? await channel.close()
            case .closed:
                await session.end(rateLimitedLines: state.withLock { $0.rateLimitLog.total })
                ended()
            }
        }
    }

    /// The next item, or nil (and no longer draining) when there is none.
    private func next() -> Item? {
        let (item, resume) = state.withLock { state -> (Item?, Bool) in
            guard let item = state.items.popFirst() else {
                state.draining = false
                return (nil, false)
            }
            let resume = state.paused && state.items.count <= Self.resumeAt
            if resume { state.paused = false }
            return (item, resume)
        }
        if resume {
            channel.setOption(ChannelOptions.autoRead, value: true).whenFailure { _ in }
        }
        return item
    }

    private func run(_ bytes: ByteBuffer, admitted alreadyAdmitted: Bool) async {
        let admitted = state.withLock { state -> Bool? in
            guard !state.closing else { return nil }
            return alreadyAdmitted || state.limiter.admit(now: ContinuousClock.now)
        }
        guard let admitted else { return }
        do {
            guard admitted else {
                GatewayMetrics.rateLimitedLines.increment()
                if let refused = state.withLock({ $0.rateLimitLog.occurred(now: ContinuousClock.now) }) {
                    session.logger.warning("rate limited", metadata: ["lines": "\(refused)"])
                }
                await session.settle()
                try await write(GatewayError.rateLimited.replyLine)
                return
            }
            guard let line = String(validating: bytes.readableBytesView, as: UTF8.self) else {
                GatewayMetrics.rejected(.invalidUTF8)
                await session.settle()
                try await write(GatewayError.invalidUTF8.replyLine)
                return
            }
            if try await session.respond(to: line, write: write) == .close {
                state.withLock { $0.closing = true }
                writer.recordEnd("quit")
                try? await channel.close()
            }
        } catch {
            // A write failed: the connection is going; `.closed` follows.
            // Its reason stays QUIT's or a kick's, if one came first.
            state.withLock { $0.closing = true }
            writer.recordEnd("error: \(error)")
        }
    }

    /// Sends FIN, then waits briefly for the client to close, so that unread
    /// input on our side does not turn the close into a reset that would
    /// destroy the reply we just wrote.
    private static func lingeringClose(_ channel: any Channel) async {
        try? await channel.close(mode: .output)
        await withTaskGroup(of: Void.self) { group in
            group.addTask { try? await channel.closeFuture.get() }
            group.addTask { try? await Task.sleep(for: .seconds(2)) }
            await group.next()
            // Whichever came first, closing now also ends the closeFuture wait.
            channel.close(promise: nil)
            group.cancelAll()
        }
    }
}

/// Hands a connection's lines to its inbox, on the event loop.
final class ConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let inbox: LineInbox
    private let greeting: String
    /// Called once, then let go (with the session it holds).
    private var opened: (() -> Void)?

    init(inbox: LineInbox, greeting: String, opened: @escaping () -> Void) {
        self.inbox = inbox
        self.greeting = greeting
        self.opened = opened
    }

    func channelActive(context: ChannelHandlerContext) {
        opened?()
        opened = nil
        context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(string: greeting + "\n")), promise: nil)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if inbox.receive(.line(unwrapInboundIn(data), admitted: false)) {
            context.channel.setOption(ChannelOptions.autoRead, value: false).whenFailure { _ in }
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        _ = inbox.receive(.closed)
        context.fireChannelInactive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        // Comes after the last line of the input (the framing decoder passes it on last).
        if let event = event as? ChannelEvent, event == .inputClosed {
            _ = inbox.receive(.inputEnded)
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        switch error {
        case is LineTooLongError:
            _ = inbox.receive(.lineTooLong)
        case ByteToMessageDecoderError.dataReceivedInErrorState(let first, _) where first is LineTooLongError:
            // More of the over-long line, read after the decoder gave up on
            // it: the connection is already answering and closing.
            break
        default:
            context.close(promise: nil)
        }
    }
}
