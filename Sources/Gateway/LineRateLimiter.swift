/// A token bucket per connection: up to `rate` lines per second, with bursts
/// of up to one second's worth. A plain struct driven by the caller's clock,
/// so it is tested without waiting.
struct LineRateLimiter<Instant: InstantProtocol>: Sendable where Instant.Duration == Duration {
    let rate: Double
    private var tokens: Double
    private var last: Instant

    init(linesPerSecond rate: Int, now: Instant) {
        self.rate = Double(rate)
        self.tokens = Double(rate)
        self.last = now
    }

    /// Takes one token; false when the connection is over its rate.
    mutating func admit(now: Instant) -> Bool {
        let elapsed = last.duration(to: now)
        if elapsed > .zero {
            let (seconds, attoseconds) = elapsed.components
            tokens = min(rate, tokens + (Double(seconds) + Double(attoseconds) / 1e18) * rate)
            last = now
        }
        guard tokens >= 1 else { return false }
        tokens -= 1
        return true
    }
}
