import Foundation
import TestSupport

/// The lines of a daemon's log (swift-log's stream format: `<time> <level>
/// <label>: <key=value…> [<module>] <message>`), for the tests of what it logs.
extension DaemonProcess {
    var logLines: [String] {
        guard let data = FileManager.default.contents(atPath: log.path) else { return [] }
        return String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
    }

    /// The lines at `level` whose message is `message` and that contain every one of `fields`.
    func logLines(_ level: String, _ message: String, with fields: [String] = []) -> [String] {
        logLines.filter { line in
            line.split(separator: " ", maxSplits: 2).dropFirst().first == Substring(level)
                && line.hasSuffix("] \(message)") && fields.allSatisfy { line.contains($0) }
        }
    }

    /// Waits (up to 5 s) for such a line, and returns it.
    @discardableResult
    func logLine(_ level: String, _ message: String, with fields: [String] = []) async throws -> String {
        let deadline = ContinuousClock.now + .seconds(5)
        while true {
            if let line = logLines(level, message, with: fields).first { return line }
            guard ContinuousClock.now < deadline else {
                throw TestFailure("no \(level) line `\(message)` with \(fields) in the log\n\(logTail())")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
    }
}
