/// When a connection's rate-limited lines are logged: a warning at the first,
/// then at most one per interval, each with the lines refused since the one
/// before, instead of a line per refusal. A plain struct driven by the
/// caller's clock, so it is tested without waiting.
struct RateLimitLog<Instant: InstantProtocol>: Sendable where Instant.Duration == Duration {
    let interval: Duration
    /// Lines refused over the connection's life.
    private(set) var total = 0
    private var unreported = 0
    private var lastWarning: Instant?

    init(interval: Duration) {
        self.interval = interval
    }

    /// Counts a refused line; returns how many refusals to warn about now,
    /// or nil while the last warning is younger than the interval.
    mutating func refused(now: Instant) -> Int? {
        total += 1
        unreported += 1
        if let lastWarning, lastWarning.duration(to: now) < interval { return nil }
        lastWarning = now
        defer { unreported = 0 }
        return unreported
    }
}
