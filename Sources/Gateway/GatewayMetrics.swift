import Metrics

/// The gateway's metrics (exported by the daemon's /metrics; no-ops in unit tests).
enum GatewayMetrics {
    static let connectionsOpen = Meter(label: "mpim_connections_open")
    static let sessionsLoggedIn = Meter(label: "mpim_sessions_logged_in")
    static let usersOnline = Meter(label: "mpim_users_online")
    static let pushesWritten = Counter(label: "mpim_pushes_written_total")
    static let slowConsumerKicks = Counter(label: "mpim_slow_consumer_kicks_total")
    static let rateLimitedLines = Counter(label: "mpim_rate_limited_lines_total")

    static func command(_ name: String, succeeded: Bool, duration: Duration) {
        Counter(label: "mpim_commands_total", dimensions: [("command", name), ("result", succeeded ? "ok" : "error")])
            .increment()
        Timer(label: "mpim_command_duration_seconds", dimensions: [("command", name)]).record(duration: duration)
    }
}
