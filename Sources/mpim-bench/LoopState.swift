import Histogram
import NIOCore
import NIOPosix

/// Monotonic nanoseconds, comparable across the event loops of this process.
@inline(__always)
func monotonicNanos() -> UInt64 {
    NIODeadline.now().uptimeNanoseconds
}

/// Whole microseconds between two `monotonicNanos()` readings, 0 if `end` is earlier,
/// at most the histograms' ceiling of a minute.
@inline(__always)
func microseconds(from start: UInt64, to end: UInt64) -> UInt64 {
    end > start ? min((end - start) / 1000, 60_000_000) : 0
}

/// The measured part of a run: what completes in `[start, end)` counts.
struct MeasureWindow: Sendable {
    var start: UInt64
    var end: UInt64

    /// Nothing is measured and nothing new is sent.
    static let closed = MeasureWindow(start: .max, end: 0)

    @inline(__always)
    func contains(_ time: UInt64) -> Bool { time >= start && time < end }
}

/// Latencies in microseconds, up to a minute.
typealias LatencyHistogram = Histogram<UInt64>

func makeLatencyHistogram() -> LatencyHistogram {
    LatencyHistogram(highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: .three)
}

/// The counters of one event loop (or, added up, of the whole run).
struct Counters: Sendable, Equatable {
    /// Over the whole run: commands written, replies to them, `+` replies among
    /// those, and pushes carrying a bench stamp.
    var sent = 0
    var answered = 0
    var acked = 0
    var delivered = 0
    /// Commands whose connection went away before their reply.
    var lost = 0
    /// `-ERR` replies, replies to nothing, KICKED, connections lost.
    var errors = 0
    /// The `-ERR rate limited` replies among the errors: the server's
    /// per-connection line limit, not the server, set the pace.
    var rateLimited = 0
    /// Acks and deliveries that happened inside the measure window.
    var ackedInWindow = 0
    var deliveredInWindow = 0
    /// HISTORY replies (`+OK history_done`) over the whole run and inside the
    /// window, and the `MSG` lines those in the window carried.
    var histories = 0
    var historiesInWindow = 0
    var historyMessagesInWindow = 0

    var inFlight: Int { sent - answered - lost }

    mutating func add(_ other: Counters) {
        sent += other.sent
        answered += other.answered
        acked += other.acked
        delivered += other.delivered
        lost += other.lost
        errors += other.errors
        rateLimited += other.rateLimited
        ackedInWindow += other.ackedInWindow
        deliveredInWindow += other.deliveredInWindow
        histories += other.histories
        historiesInWindow += other.historiesInWindow
        historyMessagesInWindow += other.historyMessagesInWindow
    }
}

/// What one event loop measured, copied off the loop.
struct LoopSnapshot: Sendable {
    var counters = Counters()
    var replyLatency = makeLatencyHistogram()
    var deliveryLatency = makeLatencyHistogram()
    var sendLag = makeLatencyHistogram()
    var historyLatency = makeLatencyHistogram()
    var firstError: String?

    mutating func add(_ other: LoopSnapshot) {
        counters.add(other.counters)
        replyLatency.add(other.replyLatency)
        deliveryLatency.add(other.deliveryLatency)
        sendLag.add(other.sendLag)
        historyLatency.add(other.historyLatency)
        firstError = firstError ?? other.firstError
    }
}

/// Everything measured on one event loop. Only that loop touches it, so
/// recording is plain arithmetic: no locks and no atomics on the hot path.
final class LoopState {
    var window = MeasureWindow.closed
    var counters = Counters()
    var replyLatency = makeLatencyHistogram()
    var deliveryLatency = makeLatencyHistogram()
    /// At a fixed rate, how late each command left against its schedule: the
    /// load generator's own share of the latencies.
    var sendLag = makeLatencyHistogram()
    /// HISTORY → `+OK history_done`, for the readers that run beside the load.
    var historyLatency = makeLatencyHistogram()
    var firstError: String?
    /// The roles that send on this loop, driven by `ticker` when the run has a fixed rate.
    var senders: [any LoadDriver] = []
    private var ticker: Scheduled<Void>?

    /// Counts the reply to a timed command; a `-ERR` one (false) also as an error.
    @inline(__always)
    private func answered(ok: Bool, line: ByteBuffer) -> Bool {
        counters.answered += 1
        if !ok { recordError(String(buffer: line)) }
        return ok
    }

    @inline(__always)
    func recordReply(ok: Bool, sentAt: UInt64, now: UInt64, line: ByteBuffer) {
        guard answered(ok: ok, line: line) else { return }
        counters.acked += 1
        if window.contains(now) {
            counters.ackedInWindow += 1
            replyLatency.record(microseconds(from: sentAt, to: now))
        }
    }

    /// The final line of a HISTORY reply, after `messages` data lines.
    func recordHistory(ok: Bool, messages: Int, sentAt: UInt64, now: UInt64, line: ByteBuffer) {
        guard answered(ok: ok, line: line) else { return }
        counters.histories += 1
        if window.contains(now) {
            counters.historiesInWindow += 1
            counters.historyMessagesInWindow += messages
            historyLatency.record(microseconds(from: sentAt, to: now))
        }
    }

    @inline(__always)
    func recordDelivery(sentAt: UInt64, now: UInt64) {
        counters.delivered += 1
        if window.contains(now) {
            counters.deliveredInWindow += 1
            deliveryLatency.record(microseconds(from: sentAt, to: now))
        }
    }

    @inline(__always)
    func recordSendLag(scheduled: UInt64, now: UInt64) {
        if window.contains(scheduled) {
            sendLag.record(microseconds(from: scheduled, to: now))
        }
    }

    func recordError(_ what: String) {
        counters.errors += 1
        if what == Wire.rateLimitedReply { counters.rateLimited += 1 }
        if firstError == nil { firstError = what }
    }

    func recordLost(unanswered: Int) {
        counters.lost += unanswered
        recordError("connection closed by the server")
    }

    /// Starts every sender; with a fixed rate, also a timer that wakes the loop
    /// when the next command falls due, so a command leaves on time rather than
    /// at the next tick of a coarse clock (which would add up to a tick to every
    /// latency measured from the schedule).
    func start(window: MeasureWindow, loadStart: UInt64, tick: Bool, on eventLoop: any EventLoop) {
        self.window = window
        for sender in senders { sender.start(at: loadStart) }
        if tick { armTicker(on: eventLoop) }
    }

    /// The shortest wait between two wake-ups, so a sender that is due but
    /// blocked on its window does not spin the loop.
    private static let minimumWait: UInt64 = 20_000

    private func armTicker(on eventLoop: any EventLoop) {
        let now = monotonicNanos()
        guard now < window.end else { return }
        // A sender with a full window sends again from its reply; wake at least
        // every millisecond anyway.
        let due = senders.compactMap(\.dueAt).min() ?? now + 1_000_000
        let wait = max(due > now ? due - now : 0, Self.minimumWait)
        let bound = NIOLoopBound(self, eventLoop: eventLoop)
        ticker = eventLoop.scheduleTask(in: .nanoseconds(Int64(wait))) {
            let state = bound.value
            let now = monotonicNanos()
            for sender in state.senders { sender.fill(now: now) }
            state.armTicker(on: eventLoop)
        }
    }

    func stop() {
        ticker?.cancel()
        ticker = nil
        window = .closed
    }

    func snapshot(histograms: Bool) -> LoopSnapshot {
        var snapshot = LoopSnapshot(counters: counters, firstError: firstError)
        if histograms {
            snapshot.replyLatency = replyLatency
            snapshot.deliveryLatency = deliveryLatency
            snapshot.sendLag = sendLag
            snapshot.historyLatency = historyLatency
        }
        return snapshot
    }
}

/// Something on a loop that sends commands during the run.
protocol LoadDriver: AnyObject {
    func start(at time: UInt64)
    /// When the driver's next command is due on a fixed-rate schedule, if it has one.
    var dueAt: UInt64? { get }
    /// Sends whatever the window (and, at a fixed rate, the schedule) allows at `now`.
    func fill(now: UInt64)
}

/// The event loops of the run, each with its `LoopState`.
struct Loops: Sendable {
    let group: MultiThreadedEventLoopGroup
    let loops: [any EventLoop]
    let states: [NIOLoopBound<LoopState>]

    init(threads: Int) async throws {
        group = MultiThreadedEventLoopGroup(numberOfThreads: max(1, threads))
        var loops: [any EventLoop] = []
        var states: [NIOLoopBound<LoopState>] = []
        for loop in group.makeIterator() {
            loops.append(loop)
            states.append(try await loop.submit { NIOLoopBound(LoopState(), eventLoop: loop) }.get())
        }
        self.loops = loops
        self.states = states
    }

    var count: Int { loops.count }

    /// Runs `body` on every loop with its state, and waits for all.
    func onEach<T: Sendable>(_ body: @escaping @Sendable (Int, LoopState) throws -> T) async throws -> [T] {
        var results: [T] = []
        for index in loops.indices {
            let state = states[index]
            results.append(try await loops[index].submit { try body(index, state.value) }.get())
        }
        return results
    }

    /// All loops' figures added up.
    func snapshot(histograms: Bool) async throws -> LoopSnapshot {
        var total = LoopSnapshot()
        for part in try await onEach({ _, state in state.snapshot(histograms: histograms) }) {
            total.add(part)
        }
        return total
    }

    func shutdown() async {
        try? await group.shutdownGracefully()
    }
}
