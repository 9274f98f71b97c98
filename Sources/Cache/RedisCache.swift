import Logging
import RedisClient
import Synchronization

/// `CacheStore` on a Redis connection of its own (the cache role).
///
/// An invalidation that fails because Redis is down is remembered: until it
/// is retried successfully, that key is never read from Redis, so an entry
/// written before the outage cannot be served stale after it.
public final class RedisCache: CacheStore {
    private struct State {
        var counts: [CacheKind: CacheCounts] = [:]
        /// Keys whose invalidation did not reach Redis.
        var unconfirmed: Set<String> = []
        /// Set when too many invalidations failed to track one by one: the
        /// whole cache is bypassed until every entry it held has expired.
        var bypassUntil: ContinuousClock.Instant?
    }

    /// The most failed invalidations tracked key by key.
    static let maxUnconfirmed = 100_000

    private let redis: RedisConnection
    private let ttls: CacheTTLs
    private let logger: Logger
    private let state = Mutex(State())

    /// How long a failed invalidation waits for the connection to come back
    /// before it is deferred (Redis just restarted, and this connection is
    /// still in its reconnect backoff, while other gateways already read).
    static let reconnectWait: Duration = .milliseconds(250)

    /// Call before the connection is started: the cache retries deferred
    /// invalidations as soon as the connection comes back.
    public init(redis: RedisConnection, ttls: CacheTTLs = CacheTTLs(), logger: Logger) {
        self.redis = redis
        self.ttls = ttls
        self.logger = logger
        CacheMetrics.prepare()
        redis.onConnect { [weak self] in
            Task { await self?.retryUnconfirmed() }
        }
    }

    public func get(_ key: String, kind: CacheKind) async -> String? {
        await retryUnconfirmed()
        guard isTrusted(key) else {
            count(kind) { $0.misses += 1 }
            return nil
        }
        do {
            let value = try await redis.command(["GET", key]).string
            count(kind) { if value == nil { $0.misses += 1 } else { $0.hits += 1 } }
            return value
        } catch {
            count(kind) { $0.misses += 1; $0.failures += 1 }
            return nil
        }
    }

    public func set(_ key: String, value: String, kind: CacheKind) async {
        let seconds = max(1, ttls[kind].components.seconds)
        do {
            _ = try await redis.command(["SET", key, value, "EX", String(seconds)])
            // A fresh value from SQLite replaces whatever a failed invalidation left.
            state.withLock { _ = $0.unconfirmed.remove(key) }
        } catch {
            count(kind) { $0.failures += 1 }
        }
    }

    public func invalidate(_ keys: [String]) async {
        guard !keys.isEmpty else { return }
        if (try? await redis.command(["DEL"] + keys)) != nil { return }
        // Other gateways may already read from this Redis: try hard to reach it now.
        if await redis.reconnect(within: Self.reconnectWait), (try? await redis.command(["DEL"] + keys)) != nil {
            return
        }
        // One warning per outage: the first deferral; the rest wait with it,
        // and their count is logged when they are applied.
        if remember(keys) {
            logger.warning("cache invalidation deferred until Redis answers", metadata: ["keys": "\(keys.count)"])
        }
    }

    public func counts() -> [CacheKind: CacheCounts] {
        state.withLock { $0.counts }
    }

    // MARK: Failed invalidations

    private func isTrusted(_ key: String) -> Bool {
        state.withLock { state in
            if let until = state.bypassUntil {
                if ContinuousClock.now < until { return false }
                state.bypassUntil = nil
            }
            return !state.unconfirmed.contains(key)
        }
    }

    /// Remembers keys whose invalidation failed; true if none was waiting before.
    private func remember(_ keys: [String]) -> Bool {
        state.withLock { state in
            let first = state.unconfirmed.isEmpty
            state.unconfirmed.formUnion(keys)
            if state.unconfirmed.count > Self.maxUnconfirmed {
                state.unconfirmed.removeAll()
                state.bypassUntil = ContinuousClock.now.advanced(by: ttls.longest)
            }
            return first
        }
    }

    /// Sends the invalidations that failed earlier, once Redis answers again.
    private func retryUnconfirmed() async {
        let keys = state.withLock { Array($0.unconfirmed.prefix(512)) }
        guard !keys.isEmpty, redis.isConnected else { return }
        do {
            _ = try await redis.command(["DEL"] + keys)
            state.withLock { $0.unconfirmed.subtract(keys) }
            logger.info("deferred cache invalidations applied", metadata: ["keys": "\(keys.count)"])
        } catch {
            // Still down: they stay remembered.
        }
    }

    private func count(_ kind: CacheKind, _ update: (inout CacheCounts) -> Void) {
        let (before, after) = state.withLock { state in
            let before = state.counts[kind, default: CacheCounts()]
            update(&state.counts[kind, default: CacheCounts()])
            return (before, state.counts[kind]!)
        }
        CacheMetrics.requests(kind, .hit, count: after.hits - before.hits)
        CacheMetrics.requests(kind, .miss, count: after.misses - before.misses)
        CacheMetrics.requests(kind, .failure, count: after.failures - before.failures)
    }
}
