/// Counts failed logins per name and locks a name that fails too often.
///
/// A plain struct driven by the caller's clock, so it is tested without
/// waiting. Memory stays bounded: entries expire, and past `maxTracked`
/// names the oldest are dropped.
public struct LoginThrottle<Instant: InstantProtocol>: Sendable where Instant.Duration == Duration {
    public struct Policy: Sendable {
        /// Failures within `window` that lock the name.
        public var failures: Int
        public var window: Duration
        /// How long a locked name stays locked.
        public var lockout: Duration
        public var maxTracked: Int

        public init(failures: Int = 5, window: Duration = .seconds(60), lockout: Duration = .seconds(60),
                    maxTracked: Int = 100_000) {
            self.failures = failures
            self.window = window
            self.lockout = lockout
            self.maxTracked = maxTracked
        }
    }

    private struct Record {
        var failures: [Instant] = []
        var lockedUntil: Instant?
    }

    private let policy: Policy
    private var records: [String: Record] = [:]

    public init(policy: Policy) {
        self.policy = policy
    }

    public func isLocked(_ name: String, now: Instant) -> Bool {
        guard let until = records[name]?.lockedUntil else { return false }
        return now < until
    }

    /// Counts a failure; true when it locks the name.
    @discardableResult
    public mutating func recordFailure(_ name: String, now: Instant) -> Bool {
        var record = records[name] ?? Record()
        record.failures = record.failures.filter { now < $0.advanced(by: policy.window) }
        record.failures.append(now)
        let locks = record.failures.count >= policy.failures
        if locks {
            record.lockedUntil = now.advanced(by: policy.lockout)
            record.failures.removeAll()
        }
        records[name] = record
        if records.count > policy.maxTracked {
            prune(now: now)
        }
        return locks
    }

    /// Names currently remembered.
    public var trackedCount: Int { records.count }

    public mutating func recordSuccess(_ name: String) {
        records[name] = nil
    }

    private mutating func prune(now: Instant) {
        records = records.filter { _, record in
            if let until = record.lockedUntil, now < until { return true }
            return record.failures.contains { now < $0.advanced(by: policy.window) }
        }
        // Still over the cap: many names failing at once. Forget arbitrary ones
        // rather than grow without bound.
        while records.count > policy.maxTracked, let key = records.keys.first {
            records[key] = nil
        }
    }
}
