import Testing
@testable import Users

@Suite("Verified credentials")
struct VerifiedCredentialsTests {
    let start = ContinuousClock.now

    @Test("a verified login matches only the same name, password and stored hash")
    func matchesExactly() {
        var cache = VerifiedCredentials<ContinuousClock.Instant>(lifetime: .seconds(60))
        cache.insert("alice", password: "secret", hash: "$2b$04$h1", now: start)
        #expect(cache.contains("alice", password: "secret", hash: "$2b$04$h1", now: start))
        #expect(!cache.contains("alice", password: "Secret", hash: "$2b$04$h1", now: start))
        #expect(!cache.contains("alice", password: "secret", hash: "$2b$04$h2", now: start), "a new hash forgets it")
        #expect(!cache.contains("bob", password: "secret", hash: "$2b$04$h1", now: start))
        cache.remove("alice")
        #expect(!cache.contains("alice", password: "secret", hash: "$2b$04$h1", now: start))
    }

    @Test("entries expire, and a zero lifetime remembers nothing")
    func expiry() {
        var cache = VerifiedCredentials<ContinuousClock.Instant>(lifetime: .seconds(60))
        cache.insert("alice", password: "secret", hash: "h", now: start)
        #expect(cache.contains("alice", password: "secret", hash: "h", now: start + .seconds(59)))
        #expect(!cache.contains("alice", password: "secret", hash: "h", now: start + .seconds(61)))
        var off = VerifiedCredentials<ContinuousClock.Instant>(lifetime: .zero)
        off.insert("alice", password: "secret", hash: "h", now: start)
        #expect(!off.contains("alice", password: "secret", hash: "h", now: start))
    }

    @Test("a full cache makes room by dropping the oldest entry")
    func capacity() {
        var cache = VerifiedCredentials<ContinuousClock.Instant>(lifetime: .seconds(60), capacity: 2)
        cache.insert("a", password: "p", hash: "h", now: start)
        cache.insert("b", password: "p", hash: "h", now: start + .seconds(1))
        cache.insert("c", password: "p", hash: "h", now: start + .seconds(2))
        #expect(!cache.contains("a", password: "p", hash: "h", now: start + .seconds(3)))
        #expect(cache.contains("b", password: "p", hash: "h", now: start + .seconds(3)))
        #expect(cache.contains("c", password: "p", hash: "h", now: start + .seconds(3)))
    }
}
