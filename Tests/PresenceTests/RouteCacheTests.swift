import MPIMCore
import MPIMServices
import Testing
@testable import Presence

/// The route cache on its own: no Redis.
@Suite("Route cache")
struct RouteCacheTests {
    private let here = RouteEntry(device: "cli", gateway: "gw-1", since: 1)
    private let there = RouteEntry(device: "phone", gateway: "gw-2", since: 2)

    @Test("stored routes are found, and counted as hits; unknown users are misses")
    func hitsAndMisses() {
        let cache = RouteCache()
        let (empty, generation) = cache.lookup([1, 2])
        #expect(empty.isEmpty)
        cache.store([1: [here], 2: []], fetchedAt: generation)
        let (found, _) = cache.lookup([1, 2, 3])
        #expect(found[1] == [here] && found[2] == [] && found[3] == nil)
        #expect(cache.counts == RouteCache.Counts(queries: 5, hits: 2, failures: 0))
    }

    @Test("an invalidation drops the user's routes, and a look-up that raced it is not stored")
    func invalidation() {
        let cache = RouteCache()
        cache.store([1: [here]], fetchedAt: cache.lookup([]).generation)
        cache.invalidate([1])
        #expect(cache.lookup([1]).found.isEmpty)
        let (_, before) = cache.lookup([2])
        cache.invalidate([7])  // a route changed while 2's routes were being read
        cache.store([2: [there]], fetchedAt: before)
        #expect(cache.lookup([2]).found.isEmpty, "a read older than the invalidation is not trusted")
        cache.invalidateAll()
        #expect(cache.lookup([1, 2]).found.isEmpty)
    }

    @Test("all-local: true only when every user's fresh routes are all on this gateway (or none)")
    func allLocal() {
        let cache = RouteCache()
        cache.store([1: [here], 2: [], 3: [here, there]], fetchedAt: cache.lookup([]).generation)
        #expect(cache.allOnly(on: "gw-1", [1, 2]))
        #expect(!cache.allOnly(on: "gw-1", [1, 3]), "3 also has a session on gw-2")
        #expect(!cache.allOnly(on: "gw-1", [1, 4]), "4 is not cached")
    }

    @Test("entries older than the maximum age are not used")
    func maxAge() {
        let cache = RouteCache(maxAge: .zero)
        cache.store([1: [here]], fetchedAt: cache.lookup([]).generation)
        #expect(cache.lookup([1]).found.isEmpty)
    }

    @Test("the table is bounded: past its capacity it starts over")
    func capacity() {
        let cache = RouteCache(capacity: 2)
        let generation = cache.lookup([]).generation
        cache.store([1: [here], 2: [here]], fetchedAt: generation)
        cache.store([3: [there]], fetchedAt: generation)
        let (found, _) = cache.lookup([1, 2, 3])
        #expect(found.keys.sorted() == [3])
    }
}
