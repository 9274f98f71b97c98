/// When a repeated event is logged: a warning at the first, then at most one
/// per interval, each with the events since the one before, instead of a
/// line per event (a connection's rate-limited lines in the gateway, the
/// bus payloads a gateway drops in Presence). A plain struct driven by the
/// caller's clock, so it is tested without waiting.
public struct RateLimitLog<Instant: InstantProtocol>: Sendable where Instant.Duration == Duration {
    public let interval: Duration
    /// Events over the log's life.
    public private(set) var total = 0
    private var unreported = 0
    private var lastWarning: Instant?

    public init(interval: Duration) {
        self.interval = interval
    }

    /// Counts an event; returns how many events to warn about now, or nil
    /// while the last warning is younger than the interval.
    public mutating func occurred(now: Instant) -> Int? {
        total += 1
        unreported += 1
        if let lastWarning, lastWarning.duration(to: now) < interval { return nil }
        lastWarning = now
        defer { unreported = 0 }
        return unreported
    }
}
