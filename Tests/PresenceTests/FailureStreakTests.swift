import Logging
import Synchronization
import Testing
@testable import Presence

@Suite("Failure streak")
struct FailureStreakTests {
    /// Every line logged through a `RecordingHandler`, as "<level> <message> <key>=<value>…".
    final class Recorded: Sendable {
        let lines = Mutex<[String]>([])
    }

    struct RecordingHandler: LogHandler {
        let recorded: Recorded
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let fields = (event.metadata ?? [:]).sorted { $0.key < $1.key }.map { " \($0.key)=\($0.value)" }.joined()
            recorded.lines.withLock { $0.append("\(event.level) \(event.message)\(fields)") }
        }
    }

    struct Down: Error, CustomStringConvertible {
        var description: String { "down" }
    }

    @Test("a run of failures logs one warning at its first and one line with the count when the operation succeeds")
    func oneWarningPerOutage() {
        let recorded = Recorded()
        let logger = Logger(label: "test") { _ in RecordingHandler(recorded: recorded) }
        var streak = FailureStreak("bind")
        streak.succeeded(logger: logger)
        for user in 1...40 {
            streak.failed(Down(), logger: logger, metadata: ["uid": "\(user)"])
        }
        streak.succeeded(logger: logger)
        streak.succeeded(logger: logger)
        streak.failed(Down(), logger: logger)
        #expect(recorded.lines.withLock { $0 } == [
            "warning bind failed; further failures are counted until one succeeds error=down uid=1",
            "info bind succeeds again failures=40",
            "warning bind failed; further failures are counted until one succeeds error=down",
        ])
    }
}
