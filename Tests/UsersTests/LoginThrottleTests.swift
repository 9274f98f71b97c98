import Testing
@testable import Users

/// A hand-moved clock instant: the throttle is tested without waiting.
struct FakeInstant: InstantProtocol {
    var offset: Duration
    func advanced(by duration: Duration) -> FakeInstant { FakeInstant(offset: offset + duration) }
    func duration(to other: FakeInstant) -> Duration { other.offset - offset }
    static func < (lhs: FakeInstant, rhs: FakeInstant) -> Bool { lhs.offset < rhs.offset }
}

@Suite("Login throttle")
struct LoginThrottleTests {
    let start = FakeInstant(offset: .zero)

    @Test("five failures within the window lock the name for the lockout time")
    func locks() {
        var throttle = LoginThrottle<FakeInstant>(policy: .init())
        for second in 0..<4 {
            let locked = throttle.recordFailure("eve", now: start.advanced(by: .seconds(second)))
            #expect(!locked)
        }
        #expect(!throttle.isLocked("eve", now: start.advanced(by: .seconds(4))))
        let locked = throttle.recordFailure("eve", now: start.advanced(by: .seconds(4)))
        #expect(locked, "the fifth failure locks, and says so")
        #expect(throttle.isLocked("eve", now: start.advanced(by: .seconds(5))))
        #expect(throttle.isLocked("eve", now: start.advanced(by: .seconds(63))))
        #expect(!throttle.isLocked("eve", now: start.advanced(by: .seconds(65))))
        #expect(!throttle.isLocked("adam", now: start.advanced(by: .seconds(5))), "other names are not affected")
    }

    @Test("failures spread wider than the window do not lock")
    func window() {
        var throttle = LoginThrottle<FakeInstant>(policy: .init())
        for step in 0..<10 {
            throttle.recordFailure("eve", now: start.advanced(by: .seconds(step * 20)))
        }
        #expect(!throttle.isLocked("eve", now: start.advanced(by: .seconds(181))))
    }

    @Test("a success clears the failures")
    func success() {
        var throttle = LoginThrottle<FakeInstant>(policy: .init())
        for second in 0..<4 { throttle.recordFailure("eve", now: start.advanced(by: .seconds(second))) }
        throttle.recordSuccess("eve")
        throttle.recordFailure("eve", now: start.advanced(by: .seconds(5)))
        #expect(!throttle.isLocked("eve", now: start.advanced(by: .seconds(6))))
    }

    @Test("memory stays bounded when many names fail")
    func bounded() {
        var throttle = LoginThrottle<FakeInstant>(policy: .init(maxTracked: 100))
        for index in 0..<10_000 {
            throttle.recordFailure("name\(index)", now: start.advanced(by: .milliseconds(index)))
        }
        #expect(throttle.trackedCount <= 101)
    }
}

@Suite("Credentials")
struct CredentialsTests {
    @Test("usernames: 1-32 of A-Z a-z 0-9 _ . -")
    func usernames() {
        #expect(Credentials.isValidUsername("alice_B.9-x"))
        #expect(Credentials.isValidUsername(String(repeating: "a", count: 32)))
        #expect(!Credentials.isValidUsername(String(repeating: "a", count: 33)))
        #expect(!Credentials.isValidUsername(""))
        #expect(!Credentials.isValidUsername("al ice"))
        #expect(!Credentials.isValidUsername("é"))
        #expect(!Credentials.isValidUsername("a/b"))
    }

    @Test("passwords: 1-128 bytes without spaces")
    func passwords() {
        #expect(Credentials.isValidPassword("pw"))
        #expect(Credentials.isValidPassword(String(repeating: "p", count: 128)))
        #expect(!Credentials.isValidPassword(String(repeating: "p", count: 129)))
        #expect(!Credentials.isValidPassword(""))
        #expect(!Credentials.isValidPassword("p w"))
    }
}
