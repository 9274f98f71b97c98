import Metrics
import Synchronization

/// The gateway's metrics (exported by the daemon's /metrics; no-ops in unit tests).
enum GatewayMetrics {
    static let connectionsOpen = Meter(label: "mpim_connections_open")
    static let sessionsLoggedIn = Meter(label: "mpim_sessions_logged_in")
    static let usersOnline = Meter(label: "mpim_users_online")
    static let pushesWritten = Counter(label: "mpim_pushes_written_total")
    static let slowConsumerKicks = Counter(label: "mpim_slow_consumer_kicks_total")
    static let rateLimitedLines = Counter(label: "mpim_rate_limited_lines_total")

    static func command(_ name: String, succeeded: Bool, duration: Duration) {
        let handles = commandHandles.withLock { table in
            if let handles = table[name] { return handles }
            let handles = CommandHandles(name)
            table[name] = handles
            return handles
        }
        (succeeded ? handles.succeeded : handles.failed).increment()
        handles.duration.record(duration: duration)
    }

    /// One command's metric handles, made once: making one looks it up in the
    /// metrics registry under a lock, too dear for every command.
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

    private static let commandHandles = Mutex<[String: CommandHandles]>([:])
}
