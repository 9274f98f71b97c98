import MPIMCore
import MPIMServices
import Synchronization

/// Recent route look-ups, so repeat deliveries skip Redis.
///
/// Every route change publishes the user's id on `routes:changed`; every
/// gateway drops those entries when it hears it (and drops everything when
/// its subscriber reconnects, since it may have missed some). Entries also
/// expire after `maxAge`, a backstop, and the table is bounded.
public final class RouteCache: Sendable {
    public struct Counts: Sendable, Equatable {
        public var queries = 0
        public var hits = 0
        public var failures = 0
    }

    private struct Entry {
        var routes: [RouteEntry]
        var fetched: ContinuousClock.Instant
    }

    private struct State {
        var entries: [UserID: Entry] = [:]
        var counts = Counts()
        /// Bumped by every invalidation, so a look-up that raced one is not stored.
        var generation: UInt64 = 0
    }

    private let state = Mutex(State())
    private let maxAge: Duration
    private let capacity: Int

    public init(maxAge: Duration = .seconds(10), capacity: Int = 100_000) {
        self.maxAge = maxAge
        self.capacity = capacity
    }

    /// True when every user has fresh cached routes, all on `gateway` (or
    /// none): a delivery to them needs nothing from Redis. The common case of
    /// a busy gateway, answered without building a table.
    func allOnly(on gateway: String, _ users: [UserID]) -> Bool {
        let now = ContinuousClock.now
        let local = state.withLock { state -> Bool in
            for user in users {
                guard let routes = fresh(user, in: state, at: now), routes.allSatisfy({ $0.gateway == gateway })
                else { return false }
            }
            state.counts.queries += users.count
            state.counts.hits += users.count
            return true
        }
        if local { PresenceMetrics.routeQueries(users.count, result: "hit") }
        return local
    }

    /// Cached routes for the users that have fresh ones; counts queries and hits.
    func lookup(_ users: [UserID]) -> (found: [UserID: [RouteEntry]], generation: UInt64) {
        let now = ContinuousClock.now
        let result = state.withLock { state in
            var found: [UserID: [RouteEntry]] = [:]
            for user in users {
                if let routes = fresh(user, in: state, at: now) {
                    found[user] = routes
                }
            }
            state.counts.queries += users.count
            state.counts.hits += found.count
            return (found, state.generation)
        }
        PresenceMetrics.routeQueries(result.0.count, result: "hit")
        PresenceMetrics.routeQueries(users.count - result.0.count, result: "miss")
        return result
    }

    /// The user's cached routes if they are younger than `maxAge`.
    private func fresh(_ user: UserID, in state: State, at now: ContinuousClock.Instant) -> [RouteEntry]? {
        guard let entry = state.entries[user], now < entry.fetched.advanced(by: maxAge) else { return nil }
        return entry.routes
    }

    /// Stores fetched routes unless an invalidation happened since `generation`.
    func store(_ routes: [UserID: [RouteEntry]], fetchedAt generation: UInt64) {
        let now = ContinuousClock.now
        state.withLock { state in
            guard state.generation == generation else { return }
            if state.entries.count + routes.count > capacity {
                state.entries.removeAll(keepingCapacity: true)
            }
            for (user, entries) in routes {
                state.entries[user] = Entry(routes: entries, fetched: now)
            }
        }
    }

    func invalidate(_ users: [UserID]) {
        state.withLock { state in
            state.generation &+= 1
            for user in users { state.entries[user] = nil }
        }
    }

    func invalidateAll() {
        state.withLock { state in
            state.generation &+= 1
            state.entries.removeAll()
        }
    }

    func countFailure(_ users: Int) {
        state.withLock { $0.counts.failures += users }
        PresenceMetrics.routeQueries(users, result: "failure")
    }

    /// Queries, hits and failures since start.
    public var counts: Counts { state.withLock { $0.counts } }
}
