import Testing
@testable import Gateway

@Suite("Line rate limiter")
struct LineRateLimiterTests {
    @Test("a burst up to the rate passes, the next line is refused, and time refills the bucket")
    func bucket() {
        let start = ContinuousClock.now
        var limiter = LineRateLimiter(linesPerSecond: 10, now: start)
        func admit(after delay: Duration) -> Bool { limiter.admit(now: start.advanced(by: delay)) }
        #expect((0..<10).allSatisfy { _ in admit(after: .zero) })
        #expect(!admit(after: .zero))
        #expect(admit(after: .milliseconds(100)), "0.1 s buys one line")
        #expect(!admit(after: .milliseconds(100)))
        #expect((0..<10).allSatisfy { _ in admit(after: .seconds(5)) })
        #expect(!admit(after: .seconds(5)), "idle time never banks more than one second")
    }
}
