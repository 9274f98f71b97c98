// Tests read fields of server lines with the codec's `field` / `intField`, as the client does.
@_exported import MPIMLineCodec
import NIOCore
import NIOPosix
import NIOWebSocket
import Synchronization

/// One TCP connection speaking the MPIM line protocol, like `mpimwire.Client`:
/// lines starting with a push word go to the push stream, except while a
/// multi-line reply (PULL, HISTORY, GHISTORY, SYNC) is being read; every other
/// line is a reply. Every wait is bounded and fails with a message.
public final class LineClient: Sendable {
    public static let pushWords = ["MSG ", "GMSG ", "SENT ", "PRESENCE ", "KICKED "]
    /// The longest server line read; a longer one closes the connection. Far above
    /// any line the daemon writes (a message text fits in a 64 KiB command), so only a
    /// server gone wrong meets it, instead of filling the test's memory.
    static let serverLineLimit = 1 << 24

    /// Names the connection in failure messages, e.g. "alice@gateway-1".
    public let label: String
    /// The `+OK welcome…` line, or "" for a raw connection.
    public let greeting: String
    private let channel: any Channel
    private let inbox: Inbox

    private init(label: String, greeting: String, channel: any Channel, inbox: Inbox) {
        self.label = label
        self.greeting = greeting
        self.channel = channel
        self.inbox = inbox
    }

    /// Connects to an MPIM gateway and reads its greeting, which must start with `+OK welcome`.
    public static func connect(port: Int, label: String = "client") async throws -> LineClient {
        let raw = try await open(port: port, label: label)
        let greeting = try await raw.reply()
        guard greeting.hasPrefix("+OK welcome") else {
            raw.close()
            throw raw.failure("greeting was \"\(greeting)\", expected it to start with \"+OK welcome\"")
        }
        return LineClient(label: label, greeting: greeting, channel: raw.channel, inbox: raw.inbox)
    }

    /// Connects to a web listener's socket (`/ws`) as a browser would, with
    /// `origin` when given, and reads the greeting. Lines leave as text frames,
    /// and each text frame received is a line. Throws `WebSocketRefused` when
    /// the server does not upgrade.
    public static func connectWebSocket(port: Int, path: String = "/ws", origin: String? = nil,
                                        label: String = "browser") async throws -> LineClient {
        let inbox = Inbox()
        let group = MultiThreadedEventLoopGroup.singleton
        let upgraded = group.next().makePromise(of: Void.self)
        let channel = try await ClientBootstrap(group: group)
            .connectTimeout(.seconds(5))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let frames = WebSocketClientLines.pipeline(maxLineBytes: serverLineLimit, then: InboxFeeder(inbox: inbox))
                    try channel.pipeline.syncOperations.addHandler(WebSocketClientHandshake(
                        path: path, host: "127.0.0.1:\(port)", origin: origin, upgraded: upgraded, then: frames))
                }
            }
            .connect(host: "127.0.0.1", port: port)
            .get()
        try await upgraded.futureResult.get()
        let client = LineClient(label: label, greeting: "", channel: channel, inbox: inbox)
        let greeting = try await client.reply()
        guard greeting.hasPrefix("+OK welcome") else {
            client.close()
            throw client.failure("greeting was \"\(greeting)\", expected it to start with \"+OK welcome\"")
        }
        return LineClient(label: label, greeting: greeting, channel: channel, inbox: inbox)
    }

    /// Connects to any line server (redis-server's inline protocol too) without reading a greeting.
    public static func open(port: Int, label: String = "client") async throws -> LineClient {
        let inbox = Inbox()
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.seconds(5))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandlers(
                        ByteToMessageHandler(LineFrameDecoder(maxLineBytes: serverLineLimit)),
                        InboxFeeder(inbox: inbox))
                }
            }
            .connect(host: "127.0.0.1", port: port)
            .get()
        return LineClient(label: label, greeting: "", channel: channel, inbox: inbox)
    }

    // MARK: Sending

    /// Writes bytes as they are: several commands, half a line, invalid UTF-8.
    public func sendRaw(_ bytes: [UInt8]) async throws {
        do {
            try await channel.writeAndFlush(channel.allocator.buffer(bytes: bytes)).get()
        } catch {
            throw failure("writing \(bytes.count) bytes failed: \(error)")
        }
    }

    /// Over WebSocket: sends one frame exactly as given (several lines in
    /// one text frame, a binary frame…).
    public func sendFrame(_ frame: WebSocketFrame) async throws {
        do {
            try await WebSocketClientLines.writeFrame(frame, on: channel).get()
        } catch {
            throw failure("writing a frame failed: \(error)")
        }
    }

    public func sendRaw(_ text: String) async throws {
        try await sendRaw(Array(text.utf8))
    }

    /// Writes `line` and a `\n`.
    public func send(_ line: String) async throws {
        try await sendRaw(Array(line.utf8) + [UInt8(ascii: "\n")])
    }

    // MARK: Replies

    /// The next reply line.
    public func reply(timeout: Duration = defaultTimeout, after what: String = "") async throws -> String {
        switch await inbox.replies.next(timeout: timeout) {
        case .line(let line):
            return line
        case .closed:
            throw failure("connection closed while waiting for a reply\(what)")
        case .timedOut:
            throw failure("no reply within \(timeout)\(what)")
        }
    }

    /// Sends one command and returns its final reply line.
    public func cmd(_ line: String, timeout: Duration = defaultTimeout) async throws -> String {
        try await send(line)
        return try await reply(timeout: timeout, after: " to \"\(abbreviated(line))\"")
    }

    /// Sends a command whose reply is data lines then a final `+OK`/`-ERR` line.
    /// Pushes that arrive meanwhile look like data lines and count as data, as
    /// the protocol lets them interleave.
    public func multi(_ line: String, timeout: Duration = defaultTimeout) async throws -> (data: [String], final: String) {
        inbox.setMulti(true)
        defer { inbox.setMulti(false) }
        try await send(line)
        var data: [String] = []
        while true {
            let got = try await reply(timeout: timeout, after: " to \"\(abbreviated(line))\" (data so far: \(data))")
            if got.hasPrefix("+OK") || got.hasPrefix("-ERR") {
                return (data, got)
            }
            data.append(got)
        }
    }

    // MARK: Pushes

    /// The next push line.
    public func push(timeout: Duration = defaultTimeout) async throws -> String {
        switch await inbox.pushes.next(timeout: timeout) {
        case .line(let line):
            return line
        case .closed:
            throw failure("connection closed while waiting for a push")
        case .timedOut:
            throw failure("no push within \(timeout)")
        }
    }

    /// Waits `wait`, then takes every push that has arrived.
    public func pushesNow(wait: Duration = .milliseconds(300)) async throws -> [String] {
        try await Task.sleep(for: wait)
        return inbox.pushes.drain()
    }

    // MARK: Closing

    /// Waits until the server has closed the connection; reply lines still unread are skipped.
    public func waitClosed(timeout: Duration = defaultTimeout) async throws {
        let deadline = ContinuousClock.now + timeout
        while true {
            switch await inbox.replies.next(timeout: deadline - ContinuousClock.now) {
            case .line:
                continue
            case .closed:
                return
            case .timedOut:
                throw failure("connection still open after \(timeout)")
            }
        }
    }

    public var isClosed: Bool { inbox.replies.isFinished }

    public func close() {
        channel.close(promise: nil)
    }

    /// Closes the sending side only (what `printf … | nc` does at the end of
    /// its input); replies can still be read.
    public func closeOutput() async throws {
        do {
            try await channel.close(mode: .output)
        } catch {
            throw failure("closing the output failed: \(error)")
        }
    }

    // MARK: Failures

    public func failure(_ what: String) -> TestFailure {
        TestFailure("[\(label)] \(what)")
    }

    public func abbreviated(_ line: String) -> String {
        line.count <= 80 ? line : "\(line.prefix(60))… (\(line.utf8.count) bytes)"
    }
}

// MARK: - Plumbing

/// Sorts arriving lines into replies and pushes.
private final class Inbox: Sendable {
    let replies = LineQueue()
    let pushes = LineQueue()
    private let multi = Mutex(false)

    func setMulti(_ on: Bool) {
        multi.withLock { $0 = on }
    }

    func deliver(_ line: String) {
        let isPush = LineClient.pushWords.contains { line.hasPrefix($0) } && !multi.withLock { $0 }
        (isPush ? pushes : replies).append(line)
    }

    public func close() {
        replies.finish()
        pushes.finish()
    }
}

/// Hands each line to the inbox as UTF-8, an invalid sequence becoming U+FFFD.
/// Lives on the channel's event loop.
private final class InboxFeeder: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private let inbox: Inbox

    init(inbox: Inbox) {
        self.inbox = inbox
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        inbox.deliver(String(buffer: unwrapInboundIn(data)))
    }

    func channelInactive(context: ChannelHandlerContext) {
        inbox.close()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
