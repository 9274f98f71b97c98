import NIOCore
import NIOPosix
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A connection to one gateway that comes back by itself: when it drops it
/// reconnects with a bounded backoff, logs in again with the credentials of
/// the last successful `LOGIN`/`REGISTER`, sets the status again, and pulls
/// what arrived meanwhile. `run()` drives it; `request` sends commands over
/// whichever connection is up; `events` tells what happens.
public actor ReconnectingSession {
    public struct Configuration: Sendable {
        public var host: String
        public var port: Int
        public var backoff: Backoff
        public var connectTimeout: Duration
        /// How long a command may wait for its reply.
        public var replyTimeout: Duration
        /// A `PING` goes out after this long without a command, so the server's
        /// idle timeout never ends the session and a dead link is noticed.
        public var keepaliveInterval: Duration
        /// A connection that lasted this long resets the count of failed attempts.
        public var stableAfter: Duration
        /// How long a command waits for a connection (at start, or while reconnecting)
        /// before it fails with `notConnected`.
        public var connectionWait: Duration

        public init(host: String = "127.0.0.1", port: Int = 8000, backoff: Backoff = Backoff(),
                    connectTimeout: Duration = .seconds(5), replyTimeout: Duration = .seconds(15),
                    keepaliveInterval: Duration = .seconds(60), stableAfter: Duration = .seconds(5),
                    connectionWait: Duration = .seconds(10)) {
            self.host = host
            self.port = port
            self.backoff = backoff
            self.connectTimeout = connectTimeout
            self.replyTimeout = replyTimeout
            self.keepaliveInterval = keepaliveInterval
            self.stableAfter = stableAfter
            self.connectionWait = connectionWait
        }
    }

    public enum Event: Sendable, Equatable {
        /// Connected and greeted; `again` after a disconnect.
        case connected(greeting: String, again: Bool)
        /// Attempt `attempt` of `of` failed; the next one comes after `retryIn`.
        case connectFailed(reason: String, retryIn: Duration, attempt: Int, of: Int)
        /// The connection ended; a reconnect follows unless `run()` is stopping.
        /// `kick` when the server said why (`KICKED`) before closing.
        case disconnected(reason: String, kick: Kick?, loginAgain: Bool)
        case push(ServerPush, line: String)
        /// A line from the server that is neither a reply nor a push.
        case unsolicited(String)
        case loggedInAgain(username: String, uid: Int64?, status: String?)
        case loginAgainFailed(username: String, reason: String)
        /// Messages `PULL` returned right after logging in again.
        case missed([ReceivedMessage])
        /// Too many failed attempts in a row; `run()` returns.
        case gaveUp(attempts: Int)
    }

    public enum Outcome: Sendable, Equatable {
        case stopped
        case gaveUp
    }

    public nonisolated let events: AsyncStream<Event>
    private let sink: AsyncStream<Event>.Continuation
    private let configuration: Configuration
    private var memory = SessionMemory()
    /// The connection, from the greeting on.
    private var current: MPIMConnection?
    /// Whether `current` takes commands (logged in again, if there was anyone to log in).
    private var ready = false
    private var stopping = false
    /// `run()` returned: no connection will come.
    private var finished = false
    private var lastCommand = ContinuousClock.now

    public init(configuration: Configuration) {
        self.configuration = configuration
        (events, sink) = AsyncStream<Event>.makeStream()
    }

    /// What the session would redo after a reconnect.
    public var remembered: SessionMemory { memory }

    /// Sends a command over the connection that is up, waiting up to
    /// `connectionWait` for one (and for logging in again) if there is none.
    public func request(_ line: String) async throws -> ServerReply {
        let deadline = ContinuousClock.now + configuration.connectionWait
        while !ready || current == nil {
            if finished || stopping || ContinuousClock.now >= deadline { throw MPIMClientError.notConnected }
            try await Task.sleep(for: .milliseconds(20))
        }
        guard let connection = current else { throw MPIMClientError.notConnected }
        lastCommand = .now
        let reply = try await connection.request(line, timeout: configuration.replyTimeout)
        memory.observe(line, reply: reply)
        return reply
    }

    /// Sends `QUIT` (if connected), closes, and makes `run()` return.
    public func quit() async {
        stopping = true
        if ready, let connection = current {
            _ = try? await connection.request("QUIT", timeout: .seconds(2))
        }
        await current?.close()
    }

    /// Connects, and reconnects after every drop, until `quit()`, cancellation,
    /// or `backoff.attempts` failures in a row. Ends `events` when it returns.
    public func run() async -> Outcome {
        defer {
            finished = true
            sink.finish()
        }
        var failures = 0
        var connectedBefore = false
        while !stopping && !Task.isCancelled {
            let connection: MPIMConnection
            do {
                connection = try await MPIMConnection.connect(
                    host: configuration.host, port: configuration.port, timeout: configuration.connectTimeout)
            } catch {
                failures += 1
                guard await pause(after: failures, reason: describeConnectError(error)) else {
                    return stopping || Task.isCancelled ? .stopped : .gaveUp
                }
                continue
            }
            if stopping {  // quit() came while connecting
                await connection.close()
                break
            }
            let since = ContinuousClock.now
            current = connection
            sink.yield(.connected(greeting: connection.greeting, again: connectedBefore))
            connectedBefore = true
            await resume(connection)
            ready = true
            let kick = await serve(connection)
            ready = false
            current = nil
            await connection.close()
            if stopping || Task.isCancelled { break }
            let reason = kick.map { "kicked: \($0.reason)" } ?? "the server closed the connection"
            sink.yield(.disconnected(reason: reason, kick: kick, loginAgain: memory.credentials != nil))
            if ContinuousClock.now - since >= configuration.stableAfter {
                failures = 0
            } else {
                failures += 1  // a server that drops us at once is retried with backoff too
                guard await pause(after: failures, reason: nil) else {
                    return stopping || Task.isCancelled ? .stopped : .gaveUp
                }
            }
        }
        return .stopped
    }

    /// Reports a failed attempt (when there is a `reason` not told yet) and
    /// sleeps before the next; false when it is time to stop.
    private func pause(after failures: Int, reason: String?) async -> Bool {
        if stopping || Task.isCancelled { return false }
        let backoff = configuration.backoff
        guard failures < backoff.attempts else {
            sink.yield(.gaveUp(attempts: failures))
            return false
        }
        let delay = backoff.delay(beforeAttempt: failures)
        if let reason {
            sink.yield(.connectFailed(reason: reason, retryIn: delay, attempt: failures, of: backoff.attempts))
        }
        do {
            try await Task.sleep(for: delay)
        } catch {
            return false
        }
        return !stopping
    }

    /// After a reconnect: log in again, restore the status, pull what waited.
    private func resume(_ connection: MPIMConnection) async {
        guard let credentials = memory.credentials else { return }
        let timeout = configuration.replyTimeout
        do {
            let login = try await connection.request(credentials.loginLine, timeout: timeout)
            guard login.isOK else {
                sink.yield(.loginAgainFailed(username: credentials.username, reason: login.text))
                if ["auth failed", "auth locked", "no such user"].contains(login.text) { memory.forget() }
                return
            }
            memory.loggedInAgain(uid: login.field("uid").flatMap { Int64($0) })
            var restored: String?
            if let status = memory.status, try await connection.request("STATUS \(status)", timeout: timeout).isOK {
                restored = status
            }
            sink.yield(.loggedInAgain(username: credentials.username, uid: memory.uid, status: restored))
            let pulled = try await connection.request("PULL", timeout: timeout)
            if !pulled.messages.isEmpty { sink.yield(.missed(pulled.messages)) }
        } catch {
            // The connection dropped again; `serve` sees it end at once.
        }
    }

    /// Passes on what the connection reports and keeps it alive; returns the
    /// kick that ended it, if the server sent one.
    private func serve(_ connection: MPIMConnection) async -> Kick? {
        var kick: Kick?
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.keepAlive(connection) }
            for await event in connection.events {
                switch event {
                case .push(let push, let line):
                    if case .kicked(let reason) = push {
                        kick = Kick(reason: reason)
                        if kick?.signsOut == true { memory.forget() }
                    }
                    sink.yield(.push(push, line: line))
                case .unsolicited(let line):
                    sink.yield(.unsolicited(line))
                }
            }
            group.cancelAll()
        }
        return kick
    }

    /// Pings when no command went out for `keepaliveInterval`; closes the
    /// connection when the ping gets no reply.
    private func keepAlive(_ connection: MPIMConnection) async {
        let interval = configuration.keepaliveInterval
        while !Task.isCancelled {
            let due = lastCommand + interval
            if ContinuousClock.now >= due {
                lastCommand = .now
                do {
                    _ = try await connection.request("PING", timeout: configuration.replyTimeout)
                } catch MPIMClientError.timedOut {
                    await connection.close()
                    return
                } catch {
                    return
                }
            } else {
                do {
                    try await Task.sleep(until: due, clock: .continuous)
                } catch {
                    return
                }
            }
        }
    }
}

/// "Connection refused" rather than NIO's full error text.
func describeConnectError(_ error: any Error) -> String {
    if let error = error as? MPIMClientError { return error.description }
    if let error = error as? NIOConnectionError {
        if let first = error.connectionErrors.first { return describeConnectError(first.error) }
        if let dns = error.dnsAAAAError ?? error.dnsAError { return "cannot resolve host: \(dns)" }
    }
    if let error = error as? IOError { return String(cString: strerror(error.errnoCode)) }
    if case ChannelError.connectTimeout = error { return "connect timed out" }
    return "\(error)"
}
