/// Exponential reconnect delay: `min`, doubled after each failure, capped at `max`.
///
/// No jitter: there are only a handful of connections per process, so there is no herd to spread out.
struct Backoff {
    private let min: Duration
    private let max: Duration
    private var current: Duration

    init(min: Duration, max: Duration) {
        self.min = min
        self.max = Swift.max(min, max)
        self.current = min
    }

    /// The delay to wait now; the following one will be twice as long.
    mutating func next() -> Duration {
        defer { current = Swift.min(current * 2, max) }
        return current
    }

    /// Back to `min`, after a successful connect.
    mutating func reset() {
        current = min
    }
}
