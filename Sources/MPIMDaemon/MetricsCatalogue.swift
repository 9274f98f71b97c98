/// Every metric the daemon exports: its Prometheus type and help text, in
/// one place. The modules make their metrics through swift-metrics by name
/// alone; `CataloguedMetricsFactory` looks the rest up here, and
/// `ProcessMetrics` renders the `process_*` and build-info families with it.
/// Docs/OPERATIONS.md lists the same metrics (a test holds both to the sources).
public enum MetricsCatalogue {
    public enum Kind: String, Sendable {
        case counter, gauge, histogram
    }

    public struct Entry: Sendable {
        public let name: String
        public let kind: Kind
        public let help: String
    }

    /// Buckets of every latency histogram: 50 µs to 1 s, fine below 10 ms
    /// where a healthy daemon answers (a SEND's p99 is about 2 ms).
    public static let latencyBuckets: [Duration] = [
        .microseconds(50), .microseconds(100), .microseconds(200), .microseconds(300), .microseconds(500),
        .microseconds(750), .milliseconds(1), .microseconds(1500), .milliseconds(2), .milliseconds(3),
        .milliseconds(5), .microseconds(7500), .milliseconds(10), .milliseconds(25), .milliseconds(50),
        .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1),
    ]

    public static let entries: [Entry] = [
        // Gateway
        .init(name: "mpim_connections_open", kind: .gauge, help: "TCP connections open on this gateway."),
        .init(name: "mpim_sessions_logged_in", kind: .gauge, help: "Logged-in sessions on this gateway."),
        .init(name: "mpim_users_online", kind: .gauge, help: "Distinct users with a session on this gateway."),
        .init(name: "mpim_commands_total", kind: .counter,
              help: "Commands by name and outcome (a usage error counts as its command's error)."),
        .init(name: "mpim_command_duration_seconds", kind: .histogram, help: "Time to answer a command."),
        .init(name: "mpim_rejected_lines_total", kind: .counter,
              help: "Lines that are no command: unknown word, invalid UTF-8, over max_line_bytes."),
        .init(name: "mpim_rate_limited_lines_total", kind: .counter,
              help: "Lines refused with -ERR rate limited."),
        .init(name: "mpim_pushes_written_total", kind: .counter, help: "Push lines written to sessions here."),
        .init(name: "mpim_slow_consumer_kicks_total", kind: .counter,
              help: "Sessions kicked for an unread backlog over max_outbound_bytes."),
        // Users
        .init(name: "mpim_login_failures_total", kind: .counter,
              help: "LOGINs refused: wrong name or password (auth_failed), name locked (auth_locked)."),
        .init(name: "mpim_login_lockouts_total", kind: .counter,
              help: "Names locked after lockout_failures failed logins."),
        // Messaging
        .init(name: "mpim_messages_acknowledged_total", kind: .counter,
              help: "SEND (direct) and SENDGROUP (group) answered +OK."),
        .init(name: "mpim_store_write_duration_seconds", kind: .histogram,
              help: "One group-committed transaction of messages (SQLite or PostgreSQL)."),
        // Presence
        .init(name: "mpim_deliveries_total", kind: .counter,
              help: "Pushes handed to a local session, recipients sent to other gateways, messages returned by PULL."),
        .init(name: "mpim_route_queries_total", kind: .counter,
              help: "Route look-ups: from the route cache (hit), read from Redis (miss), failed."),
        .init(name: "mpim_bus_payloads_dropped_total", kind: .counter,
              help: "Bus payloads from other gateways dropped unread: a version this build does not read, or malformed."),
        // Cache and Redis
        .init(name: "mpim_cache_requests_total", kind: .counter, help: "Cache-aside reads by kind and result."),
        .init(name: "mpim_redis_up", kind: .gauge, help: "1 while the Redis connection is up."),
        .init(name: "mpim_redis_reconnects_total", kind: .counter, help: "Redis reconnections after a loss."),
        // The process, read from /proc at scrape time (ProcessMetrics)
        .init(name: "mpim_build_info", kind: .gauge, help: "Always 1; the version label is the daemon's version."),
        .init(name: "process_cpu_seconds_total", kind: .counter, help: "User and system CPU time spent, in seconds."),
        .init(name: "process_resident_memory_bytes", kind: .gauge, help: "Resident memory size in bytes."),
        .init(name: "process_virtual_memory_bytes", kind: .gauge, help: "Virtual memory size in bytes."),
        .init(name: "process_open_fds", kind: .gauge, help: "Open file descriptors."),
        .init(name: "process_max_fds", kind: .gauge, help: "Most file descriptors the process may open."),
        .init(name: "process_start_time_seconds", kind: .gauge,
              help: "Start time of the process since the Unix epoch, in seconds."),
    ]

    private static let byName = Dictionary(uniqueKeysWithValues: entries.map { ($0.name, $0) })

    public static func entry(_ name: String) -> Entry? {
        byName[name]
    }
}
