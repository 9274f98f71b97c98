@testable import Cache
import Logging
import RedisClient
import TestSupport
import Testing

private let quietLogger = Logger(label: "CacheTests") { _ in SwiftLogNoOpLogHandler() }

/// Runs `body` with a `RedisCache` on its own started connection to `server`, and a second,
/// plain connection for looking at (and planting) keys behind the cache's back. The cache is
/// made before its connection starts, as the daemon does. Both connections are shut down after.
///
/// `reconnectBackoff` is the cache connection's fixed delay between reconnect attempts.
private func withCache<Result>(
    _ server: RedisServerProcess, ttls: CacheTTLs = CacheTTLs(), reconnectBackoff: Duration = .milliseconds(20),
    _ body: (RedisCache, RedisConnection, RedisConnection) async throws -> Result
) async throws -> Result {
    let cacheConnection = RedisConnection(
        configuration: RedisConfiguration(port: server.port, reconnectBackoffMin: reconnectBackoff,
                                          reconnectBackoffMax: reconnectBackoff),
        label: "cache", logger: quietLogger)
    let cache = RedisCache(redis: cacheConnection, ttls: ttls, logger: quietLogger)
    let inspector = RedisConnection(
        configuration: RedisConfiguration(port: server.port, reconnectBackoffMin: .milliseconds(20),
                                          reconnectBackoffMax: .milliseconds(100)),
        label: "inspector", logger: quietLogger)
    cacheConnection.start()
    inspector.start()
    return try await withCleanup {
        try await eventually("both connections are up") { cacheConnection.isConnected && inspector.isConnected }
        return try await body(cache, cacheConnection, inspector)
    } cleanup: {
        await cacheConnection.shutdown()
        await inspector.shutdown()
    }
}

/// How long `body` took.
private func timed(_ body: () async -> Void) async -> Duration {
    let start = ContinuousClock.now
    await body()
    return ContinuousClock.now - start
}

@Suite("RedisCache against redis-server")
struct RedisCacheTests {
    @Test("get misses, set fills, get hits; hits and misses are counted per kind")
    func missSetHit() async throws {
        try await withRedisServer { server in
            try await withCache(server) { cache, _, inspector async throws in
                let key = CacheKeys.friends(7)
                #expect(await cache.get(key, kind: .friends) == nil)
                #expect(cache.counts()[.friends] == CacheCounts(hits: 0, misses: 1, failures: 0))

                await cache.set(key, value: "2,5,9", kind: .friends)
                #expect(try await inspector.command(["GET", key]).string == "2,5,9", "set writes through to Redis")
                #expect(await cache.get(key, kind: .friends) == "2,5,9")
                #expect(await cache.get(key, kind: .friends) == "2,5,9")
                #expect(cache.counts()[.friends] == CacheCounts(hits: 2, misses: 1, failures: 0))

                // Another kind has counts of its own.
                let members = CacheKeys.members(3)
                #expect(await cache.get(members, kind: .members) == nil)
                await cache.set(members, value: "", kind: .members)
                #expect(await cache.get(members, kind: .members) == "", "an empty list is a hit, not a miss")
                #expect(cache.counts()[.members] == CacheCounts(hits: 1, misses: 1, failures: 0))
                #expect(cache.counts()[.friends] == CacheCounts(hits: 2, misses: 1, failures: 0))
                #expect(cache.counts()[.userInfo] == nil && cache.counts()[.groupInfo] == nil,
                        "kinds never read have no counts: \(cache.counts())")
            }
        }
    }

    @Test("set applies the TTL of the entry's kind")
    func ttlPerKind() async throws {
        let ttls = CacheTTLs(userInfo: .seconds(100), friends: .seconds(200), groupInfo: .seconds(300),
                             members: .seconds(400))
        try await withRedisServer { server in
            try await withCache(server, ttls: ttls) { cache, _, inspector async throws in
                let keys: [(CacheKind, String)] = [
                    (.userInfo, CacheKeys.userInfo("alice")), (.friends, CacheKeys.friends(1)),
                    (.groupInfo, CacheKeys.groupInfo(2)), (.members, CacheKeys.members(2)),
                ]
                for (kind, key) in keys {
                    await cache.set(key, value: "v", kind: kind)
                }
                for (kind, key) in keys {
                    let expected = Int64(ttls[kind].components.seconds) * 1000
                    let pttl = try await inspector.command(["PTTL", key]).int ?? -99
                    #expect(pttl <= expected && pttl > expected - 2000,
                            "PTTL \(key) is \(pttl) ms, expected about \(expected) ms (\(kind))")
                }
            }
        }
    }

    @Test("invalidate deletes the entries, and the next get is a miss")
    func invalidateDeletes() async throws {
        try await withRedisServer { server in
            try await withCache(server) { cache, _, inspector async throws in
                let a = CacheKeys.groupInfo(1)
                let b = CacheKeys.members(1)
                let other = CacheKeys.members(2)
                await cache.set(a, value: "info", kind: .groupInfo)
                await cache.set(b, value: "1,2", kind: .members)
                await cache.set(other, value: "3", kind: .members)

                await cache.invalidate([a, b])
                #expect(try await inspector.command(["EXISTS", a, b]).int == 0)
                #expect(await cache.get(a, kind: .groupInfo) == nil)
                #expect(await cache.get(b, kind: .members) == nil)
                #expect(await cache.get(other, kind: .members) == "3", "only the named keys go")
                await cache.invalidate([])  // nothing to do, returns
                #expect(cache.counts()[.members] == CacheCounts(hits: 1, misses: 1, failures: 0))
            }
        }
    }

    @Test("with Redis stopped, get is a counted miss and failure, and set and invalidate return within a second")
    func redisDown() async throws {
        try await withRedisServer { server in
            try await withCache(server) { cache, cacheConnection, _ async throws in
                let key = CacheKeys.userInfo("bob")
                await cache.set(key, value: "5 hash", kind: .userInfo)
                #expect(await cache.get(key, kind: .userInfo) == "5 hash")
                await server.stop()

                var value: String?? = .none
                let getTook = await timed { value = .some(await cache.get(key, kind: .userInfo)) }
                #expect(value == .some(nil), "get answers nil while Redis is down")
                #expect(getTook < .seconds(1), "get took \(getTook)")
                #expect(cache.counts()[.userInfo] == CacheCounts(hits: 1, misses: 1, failures: 1))

                let setTook = await timed { await cache.set(CacheKeys.friends(5), value: "1", kind: .friends) }
                #expect(setTook < .seconds(1), "set took \(setTook)")
                #expect(cache.counts()[.friends]?.failures == 1, "a failed set counts a failure: \(cache.counts())")

                let invalidateTook = await timed { await cache.invalidate([CacheKeys.friends(6)]) }
                #expect(invalidateTook < .seconds(1), "invalidate took \(invalidateTook)")

                // A second round, with the connection known to be down, is as quick.
                let again = await timed {
                    _ = await cache.get(key, kind: .userInfo)
                    await cache.set(key, value: "x", kind: .userInfo)
                    await cache.invalidate([key])
                }
                #expect(again < .seconds(1), "get+set+invalidate took \(again)")
                #expect(!cacheConnection.isConnected)
            }
        }
    }

    @Test("an invalidation that failed while Redis was down is applied once it is back: the stale entry is never served")
    func deferredInvalidation() async throws {
        try await withRedisServer { server in
            // A slow reconnect, so the stale entry is planted before the cache's
            // connection is back (3 s was once too short for a restart under load).
            try await withCache(server, reconnectBackoff: .seconds(6)) { cache, cacheConnection, inspector in
                let key = CacheKeys.friends(42)
                await cache.set(key, value: "1,2", kind: .friends)
                #expect(await cache.get(key, kind: .friends) == "1,2")

                await server.stop()
                #expect(await cache.get(key, kind: .friends) == nil)  // the cache's connection sees Redis gone
                await cache.invalidate([key])  // fails: remembered
                #expect(await cache.get(key, kind: .friends) == nil, "a key with a failed invalidation is a miss")

                // Redis comes back with the old entry still in it (as a Redis that kept its data would).
                try await server.start()
                try await eventually("the inspector is back") {
                    (try? await inspector.command(["SET", key, "stale", "EX", "600"]))?.string == "OK"
                }
                try #require(!cacheConnection.isConnected,
                             "the stale entry must be planted before the cache's connection is back")

                try await eventually("the cache's connection is back", timeout: .seconds(15)) {
                    cacheConnection.isConnected
                }
                let after = await cache.get(key, kind: .friends)
                #expect(after != "stale", "the invalidated entry is not served after the outage")
                #expect(after == nil)
                try await eventually("the deferred DEL reaches Redis") {
                    (try? await inspector.command(["EXISTS", key]))?.int == 0
                }

                // Once applied, the key is cached normally again.
                await cache.set(key, value: "1,2,3", kind: .friends)
                #expect(await cache.get(key, kind: .friends) == "1,2,3")
            }
        }
    }
}

@Suite("IDList")
struct IDListTests {
    @Test("encodes ascending ids comma-separated, an empty list as the empty string")
    func encode() {
        #expect(IDList.encode([]) == "")
        #expect(IDList.encode([7]) == "7")
        #expect(IDList.encode([2, 5, 9]) == "2,5,9")
        #expect(IDList.encode([Int64.max]) == "9223372036854775807")
    }

    @Test("decodes what it encodes")
    func roundTrip() {
        for ids: [Int64] in [[], [1], [2, 5, 9], [1, Int64.max]] {
            #expect(IDList.decode(IDList.encode(ids)) == ids)
        }
    }

    @Test("a malformed value decodes to nil", arguments: [",", "1,", ",1", "1,,2", "a", "1,b", " 1", "1 ", "1;2",
                                                         "9223372036854775808", "1.5"])
    func malformed(value: String) {
        #expect(IDList.decode(value) == nil)
    }
}
