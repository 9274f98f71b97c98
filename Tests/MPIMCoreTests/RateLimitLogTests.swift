import MPIMCore
import Testing

@Suite("Rate limit log")
struct RateLimitLogTests {
    @Test("the first event warns at once; later ones warn at most once per interval, with the count since the last")
    func oncePerInterval() {
        let start = ContinuousClock.now
        var log = RateLimitLog<ContinuousClock.Instant>(interval: .seconds(10))
        func occurred(after seconds: Double) -> Int? { log.occurred(now: start.advanced(by: .seconds(seconds))) }
        #expect(occurred(after: 0) == 1)
        #expect((1...499).allSatisfy { occurred(after: Double($0) / 100) == nil }, "quiet within the interval")
        #expect(occurred(after: 10) == 500, "499 counted quietly and this one")
        #expect(occurred(after: 12) == nil)
        #expect(occurred(after: 60) == 2)
        #expect(log.total == 503)
    }
}
