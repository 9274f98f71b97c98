import Metrics

/// The gateway's metrics (exported by the daemon's /metrics; no-ops in unit tests).
///
/// Every series is known in advance and made by `prepare()`, so /metrics
/// shows each at 0 before its first event; a command's handles are made once,
/// since making one looks it up in the metrics registry under a lock.
enum GatewayMetrics {
    static let connectionsOpen = Meter(label: "mpim_connections_open")
    static let sessionsLoggedIn = Meter(label: "mpim_sessions_logged_in")
    static let usersOnline = Meter(label: "mpim_users_online")
    static let pushesWritten = Counter(label: "mpim_pushes_written_total")
    static let slowConsumerKicks = Counter(label: "mpim_slow_consumer_kicks_total")
    static let rateLimitedLines = Counter(label: "mpim_rate_limited_lines_total")

    /// A line that is no command at all, so no command's error.
    enum RejectedLine: String, CaseIterable {
        case unknownCommand = "unknown_command"
        case invalidUTF8 = "invalid_utf8"
        case lineTooLong = "line_too_long"
    }

    /// Makes every series now (the daemon has bootstrapped the metrics system).
    static func prepare() {
        _ = (connectionsOpen, sessionsLoggedIn, usersOnline, pushesWritten, slowConsumerKicks, rateLimitedLines)
        _ = (commandHandles, rejectedLines)
    }

    static func command(_ name: String, succeeded: Bool, duration: Duration) {
        // Every name a `Command` has is in the parser's list.
        guard let handles = commandHandles[name] else { return }
        (succeeded ? handles.succeeded : handles.failed).increment()
        handles.duration.record(duration: duration)
    }

    static func rejected(_ line: RejectedLine) {
        rejectedLines[line]?.increment()
    }

    private struct CommandHandles: Sendable {
        let succeeded: Counter
        let failed: Counter
        let duration: Timer

        init(_ name: String) {
            succeeded = Counter(label: "mpim_commands_total", dimensions: [("command", name), ("result", "ok")])
            failed = Counter(label: "mpim_commands_total", dimensions: [("command", name), ("result", "error")])
            duration = Timer(label: "mpim_command_duration_seconds", dimensions: [("command", name)])
        }
    }

    private static let commandHandles = Dictionary(
        uniqueKeysWithValues: CommandParser.commandNames.map { ($0, CommandHandles($0)) })

    private static let rejectedLines = Dictionary(
        uniqueKeysWithValues: RejectedLine.allCases.map { reason in
            (reason, Counter(label: "mpim_rejected_lines_total", dimensions: [("reason", reason.rawValue)]))
        })
}
