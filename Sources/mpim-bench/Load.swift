import NIOCore

extension LoopState {
    /// What a connection does with a line it did not ask for: a stamped MSG/GMSG is a
    /// delivery, KICKED or a reply to nothing is an error, anything else (PRESENCE) is ignored.
    func handlePush(_ line: ByteBuffer) {
        if let stamp = Wire.stamp(inPush: line) {
            recordDelivery(sentAt: stamp, now: monotonicNanos())
            return
        }
        switch line.readableBytesView.first {
        case UInt8(ascii: "K"), UInt8(ascii: "+"), UInt8(ascii: "-"):
            recordError(String(buffer: line))
        default:
            break
        }
    }

    /// Makes `connection` count the pushes it receives on this loop.
    func receive(on connection: BenchConnection) {
        connection.onPush = { [unowned self] line in self.handlePush(line) }
        connection.onLost = { [unowned self] unanswered in self.recordLost(unanswered: unanswered) }
    }
}

/// Repeats one command on one connection: `window` of them in flight, sent again as
/// soon as a reply frees a slot, or, with `interval`, one every `interval` ns on
/// schedule (and still at most `window` in flight). Each is stamped with the time it
/// was sent (its scheduled time at a fixed rate, so a server that falls behind shows
/// up in the latencies instead of slowing the offered load: no coordinated omission).
final class CommandSender: LoadDriver {
    /// What the commands are and how their replies count.
    enum Role {
        /// SEND, SENDGROUP, PING: a reply is an ack; pushes are deliveries.
        case load
        /// HISTORY: the `MSG` lines before each final reply are its data, counted
        /// as the messages it returned; the reply goes to the HISTORY figures.
        case history
    }

    private let connection: BenchConnection
    private let state: LoopState
    private let template: CommandTemplate
    private let window: Int
    private let interval: UInt64
    private let role: Role
    private var inFlight = 0
    /// Data lines since the last reply (HISTORY: the next reply's messages).
    private var dataLines = 0
    private var nextDue: UInt64 = 0
    private var dead = false

    /// When the next command is due on a fixed-rate schedule; nil when the
    /// sender is not paced, is dead, or waits for a reply to free a slot.
    var dueAt: UInt64? {
        guard interval > 0, !dead, inFlight < window else { return nil }
        return nextDue
    }

    init(connection: BenchConnection, state: LoopState, template: CommandTemplate, window: Int, interval: UInt64,
         role: Role = .load) {
        self.connection = connection
        self.state = state
        self.template = template
        self.window = max(1, window)
        self.interval = interval
        self.role = role
        // The loop state owns the senders for the whole run; the connection drops
        // these closures when it closes.
        connection.onTimedReply = { [unowned self] line, sentAt in self.replied(line, sentAt: sentAt) }
        switch role {
        case .load: connection.onPush = { [unowned state] line in state.handlePush(line) }
        case .history: connection.onPush = { [unowned self] _ in self.dataLines += 1 }
        }
        connection.onLost = { [unowned self] unanswered in
            self.dead = true
            self.state.recordLost(unanswered: unanswered)
        }
    }

    func start(at time: UInt64) {
        // Spread the senders' schedules over one interval so they do not tick together.
        nextDue = interval > 0 ? time + UInt64.random(in: 0..<interval) : time
        fill(now: monotonicNanos())
    }

    func fill(now: UInt64) {
        let end = state.window.end
        while !dead, inFlight < window, now < end {
            let stamp: UInt64
            if interval > 0 {
                guard nextDue <= now, nextDue < end else { return }
                stamp = nextDue
                nextDue += interval
                state.recordSendLag(scheduled: stamp, now: now)
            } else {
                stamp = now
            }
            inFlight += 1
            state.counters.sent += 1
            guard connection.sendTimed(template.line(stamp: stamp, allocator: connection.allocator), sentAt: stamp) else {
                dead = true
                state.counters.lost += 1
                return
            }
        }
    }

    private func replied(_ line: ByteBuffer, sentAt: UInt64) {
        inFlight -= 1
        let now = monotonicNanos()
        let ok = line.readableBytesView.first == UInt8(ascii: "+")
        switch role {
        case .load:
            state.recordReply(ok: ok, sentAt: sentAt, now: now, line: line)
        case .history:
            state.recordHistory(ok: ok, messages: dataLines, sentAt: sentAt, now: now, line: line)
            dataLines = 0
        }
        fill(now: now)
    }
}

/// LOGIN, LOGOUT, LOGIN, … on one connection: each LOGIN counts as a command
/// (its reply time is the latency), the LOGOUT in between does not.
final class LoginCycler: LoadDriver {
    private let connection: BenchConnection
    private let state: LoopState
    private let login: ByteBuffer
    private let logout: ByteBuffer
    private var busy = false
    private var awaitingLogout = false
    let dueAt: UInt64? = nil

    init(connection: BenchConnection, state: LoopState, username: String, password: String) {
        self.connection = connection
        self.state = state
        self.login = ByteBuffer(string: "LOGIN \(username) \(password) bench\n")
        self.logout = ByteBuffer(string: "LOGOUT\n")
        connection.onTimedReply = { [unowned self] line, sentAt in self.replied(line, sentAt: sentAt) }
        connection.onPush = { [unowned state] line in state.handlePush(line) }
        connection.onLost = { [unowned self] unanswered in
            self.busy = true  // never again
            self.state.recordLost(unanswered: self.awaitingLogout ? 0 : unanswered)
        }
    }

    func start(at time: UInt64) {
        fill(now: monotonicNanos())
    }

    func fill(now: UInt64) {
        guard !busy, now < state.window.end else { return }
        busy = true
        state.counters.sent += 1
        _ = connection.sendTimed(login, sentAt: now)
    }

    private func replied(_ line: ByteBuffer, sentAt: UInt64) {
        let ok = line.readableBytesView.first == UInt8(ascii: "+")
        if awaitingLogout {
            awaitingLogout = false
            busy = false
            if !ok { state.recordError(String(buffer: line)) }
            fill(now: monotonicNanos())
            return
        }
        state.recordReply(ok: ok, sentAt: sentAt, now: monotonicNanos(), line: line)
        awaitingLogout = true
        _ = connection.sendTimed(logout, sentAt: 0)
    }
}
