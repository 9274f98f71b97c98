import Testing
@testable import Gateway

@Suite("Rate limit log")
struct RateLimitLogTests {
    @Test("the first refusal warns at once; later ones warn at most once per interval, with the count since the last")
    func oncePerInterval() {
        let start = ContinuousClock.now
        var log = RateLimitLog<ContinuousClock.Instant>(interval: .seconds(10))
        func refused(after seconds: Double) -> Int? { log.refused(now: start.advanced(by: .seconds(seconds))) }
        #expect(refused(after: 0) == 1)
        #expect((1...499).allSatisfy { refused(after: Double($0) / 100) == nil }, "quiet within the interval")
        #expect(refused(after: 10) == 500, "499 counted quietly and this one")
        #expect(refused(after: 12) == nil)
        #expect(refused(after: 60) == 2)
        #expect(log.total == 503)
    }
}
