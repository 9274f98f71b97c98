import Logging
import MPIMCore
import Synchronization
import Testing
@testable import Presence

/// What a gateway does with bus payloads it cannot read: counts, logs at
/// most once a minute, drops, and carries on.
@Suite("Bus reader")
struct BusReaderTests {
    /// A clock moved by hand.
    final class ManualClock: Sendable {
        let start = ContinuousClock.now
        private let offset = Mutex<Duration>(.zero)

        var now: ContinuousClock.Instant { start + offset.withLock { $0 } }

        func advance(by duration: Duration) {
            offset.withLock { $0 += duration }
        }
    }

    private func reader(_ clock: ManualClock, _ recorded: FailureStreakTests.Recorded) -> BusReader {
        BusReader(logger: Logger(label: "test") { _ in FailureStreakTests.RecordingHandler(recorded: recorded) },
                  now: { clock.now })
    }

    private let garbage = Array("not protobuf".utf8)
    private let version99: [UInt8] = [0x08, 0x63]

    @Test("a readable payload comes back as its envelopes, and nothing is counted or logged")
    func readable() throws {
        let recorded = FailureStreakTests.Recorded()
        let bus = reader(ManualClock(), recorded)
        let envelope = GatewayEnvelope.kick(user: 5, device: "phone", reason: "admin")
        #expect(bus.envelopes(in: try GatewayEnvelope.payload([envelope]), source: "pubsub") == [envelope])
        #expect(bus.dropped.isEmpty)
        #expect(recorded.lines.withLock { $0 }.isEmpty)
    }

    @Test("an unknown version and garbage are dropped and counted by reason")
    func counted() {
        let bus = reader(ManualClock(), FailureStreakTests.Recorded())
        #expect(bus.envelopes(in: version99, source: "pubsub") == nil)
        #expect(bus.envelopes(in: garbage, source: "stream") == nil)
        #expect(bus.envelopes(in: garbage, source: "pubsub") == nil)
        #expect(bus.envelopes(in: [], source: "stream") == nil)
        #expect(bus.dropped == ["version": 1, "malformed": 3])
    }

    @Test("drops are logged at the first, then at most once a minute with how many since the last line")
    func oncePerMinute() {
        let clock = ManualClock()
        let recorded = FailureStreakTests.Recorded()
        let bus = reader(clock, recorded)
        _ = bus.envelopes(in: garbage, source: "pubsub")
        for _ in 0..<40 {
            clock.advance(by: .seconds(1))
            _ = bus.envelopes(in: version99, source: "stream")
        }
        clock.advance(by: .seconds(19))  // 59 s after the first line
        _ = bus.envelopes(in: garbage, source: "pubsub")
        clock.advance(by: .seconds(1))  // 60 s
        _ = bus.envelopes(in: version99, source: "stream")
        clock.advance(by: .seconds(300))
        _ = bus.envelopes(in: garbage, source: "pubsub")
        let lines = recorded.lines.withLock { $0 }
        #expect(lines == [
            "warning dropped unreadable bus payloads bytes=12 dropped=1 error=\(errorText(garbage)) reason=malformed "
                + "source=pubsub",
            "warning dropped unreadable bus payloads bytes=2 dropped=42 error=version 99; this build reads 1 "
                + "reason=version source=stream",
            "warning dropped unreadable bus payloads bytes=12 dropped=1 error=\(errorText(garbage)) reason=malformed "
                + "source=pubsub",
        ])
        #expect(bus.dropped == ["version": 41, "malformed": 3])
    }

    /// The detail the reader logs for `payload`'s parse error.
    private func errorText(_ payload: [UInt8]) -> String {
        do {
            _ = try GatewayEnvelope.envelopes(in: payload)
            return "(read)"
        } catch {
            guard case .malformed(let detail) = error else { return "(\(error))" }
            return detail
        }
    }
}
