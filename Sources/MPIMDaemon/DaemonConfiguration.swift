import Cache
import Gateway
import Logging
import MPIMCore
import Presence
import RedisClient
import Storage

/// Everything `mpimd` can be told, with the defaults of `etc/mpimd.conf`.
public struct DaemonConfiguration: Sendable {
    /// The TCP listener (`[gateway]`).
    public var gateway = GatewayServer.Configuration()
    /// TTL of `route:<uid>` (`[gateway] route_ttl`, `--route-ttl`).
    public var routeTTL: Duration = .seconds(120)
    /// Devices one user may have logged in at once (`[presence] max_devices`).
    public var maxDevices = 5
    /// A gateway whose heartbeat is this old is dead (`[presence] heartbeat_ttl`).
    public var heartbeatTTL: Duration = .seconds(10)
    /// How often the heartbeat is renewed (`[presence] heartbeat_interval`).
    public var heartbeatInterval: Duration = .seconds(3)
    /// How deliveries reach other gateways (`[redis_queue] mode`: pubsub or stream).
    public var queueMode: GatewayQueueMode = .pubsub
    /// Approximate length cap of each gateway's stream (`[redis_queue] stream_maxlen`).
    public var streamMaxLength = 100_000
    /// Redis for routes and pub/sub (`[redis_queue]`).
    public var redisQueue = RedisConfiguration()
    /// Redis for cache-aside entries (`[redis_cache]`).
    public var redisCache = RedisConfiguration()
    /// Cache entry TTLs (`[redis_cache] user_info_ttl`, `friends_ttl`, `group_info_ttl`, `members_ttl`).
    public var cacheTTLs = CacheTTLs()
    /// The SQLite file (`[sqlite]`).
    public var database = AppDatabase.Configuration()
    /// bcrypt cost (`[users] bcrypt_cost`).
    public var bcryptCost: UInt8 = 10
    /// Failed logins per name within `lockoutWindow` that lock it for `lockoutDuration`.
    public var lockoutFailures = 5
    public var lockoutWindow: Duration = .seconds(60)
    public var lockoutDuration: Duration = .seconds(60)
    /// How long a successful login spares the next one with the same
    /// password the bcrypt check (`[users] verified_login_seconds`; 0: never).
    public var verifiedLoginLifetime: Duration = .seconds(600)
    /// HTTP port for metrics and admin (`[http] port`, `--http-port`); 0 picks a free one.
    public var httpPort = 8080
    /// HTTP bind address (`[http] host`); the gateway's host when unset.
    public var httpHost: String?
    /// Bearer token for `/admin/*` (`[http] admin_token`); unset disables the admin API.
    public var adminToken: String?
    /// Log level (`[log] level`).
    public var logLevel: Logger.Level = .info

    public init() {}

    /// A value in the file that cannot be used.
    public struct InvalidValue: Error, CustomStringConvertible {
        public var section: String
        public var key: String
        public var value: String
        public var description: String { "[\(section)] \(key) = \(value): invalid value" }
    }

    /// Applies the keys present in an INI file over the current values.
    public mutating func apply(_ file: INIFile) throws {
        let reader = Reader(file: file)
        reader.read("gateway", "host") { gateway.host = $0 }
        try reader.int("gateway", "port", 0...65535) { gateway.port = $0 }
        reader.read("gateway", "gateway_id") { gateway.gatewayID = $0 }
        try reader.int("gateway", "max_line_bytes", 64...(16 << 20)) { gateway.maxLineBytes = $0 }
        try reader.int("gateway", "max_outbound_bytes", 4096...(1 << 30)) { gateway.maxOutboundBytes = $0 }
        try reader.int("gateway", "route_ttl", 1...86400) { routeTTL = .seconds($0) }
        try reader.seconds("gateway", "idle_timeout", 0.1...86400) { gateway.idleTimeout = $0 }
        try reader.int("gateway", "max_lines_per_second", 1...10_000_000) { gateway.maxLinesPerSecond = $0 }
        try reader.int("presence", "max_devices", 1...100) { maxDevices = $0 }
        try reader.seconds("presence", "heartbeat_ttl", 0.2...3600) { heartbeatTTL = $0 }
        try reader.seconds("presence", "heartbeat_interval", 0.1...3600) { heartbeatInterval = $0 }
        try reader.redis("redis_queue", into: &redisQueue)
        if let mode = file["redis_queue", "mode"] {
            guard let parsed = GatewayQueueMode(rawValue: mode.lowercased()) else {
                throw InvalidValue(section: "redis_queue", key: "mode", value: mode)
            }
            queueMode = parsed
        }
        try reader.int("redis_queue", "stream_maxlen", 100...100_000_000) { streamMaxLength = $0 }
        try reader.redis("redis_cache", into: &redisCache)
        try reader.int("redis_cache", "user_info_ttl", 1...604_800) { cacheTTLs.userInfo = .seconds($0) }
        try reader.int("redis_cache", "friends_ttl", 1...604_800) { cacheTTLs.friends = .seconds($0) }
        try reader.int("redis_cache", "group_info_ttl", 1...604_800) { cacheTTLs.groupInfo = .seconds($0) }
        try reader.int("redis_cache", "members_ttl", 1...604_800) { cacheTTLs.members = .seconds($0) }
        reader.read("sqlite", "path") { database.path = $0 }
        try reader.int("sqlite", "busy_timeout_ms", 0...600_000) { database.busyTimeout = .milliseconds($0) }
        try reader.int("sqlite", "wal_restart_mb", 1...65_536) { database.walRestartBytes = $0 << 20 }
        try reader.int("users", "bcrypt_cost", 4...31) { bcryptCost = UInt8($0) }
        try reader.int("users", "lockout_failures", 1...1000) { lockoutFailures = $0 }
        try reader.int("users", "lockout_window", 1...86400) { lockoutWindow = .seconds($0) }
        try reader.int("users", "lockout_seconds", 1...86400) { lockoutDuration = .seconds($0) }
        try reader.int("users", "verified_login_seconds", 0...86400) { verifiedLoginLifetime = .seconds($0) }
        try reader.int("http", "port", 0...65535) { httpPort = $0 }
        reader.read("http", "host") { httpHost = $0 }
        reader.read("http", "admin_token") { adminToken = $0.isEmpty ? nil : $0 }
        if let level = file["log", "level"] {
            guard let parsed = Logger.Level(rawValue: level.lowercased()) else {
                throw InvalidValue(section: "log", key: "level", value: level)
            }
            logLevel = parsed
        }
    }

    private struct Reader {
        let file: INIFile

        func read(_ section: String, _ key: String, _ apply: (String) -> Void) {
            if let value = file[section, key] { apply(value) }
        }

        func int(_ section: String, _ key: String, _ range: ClosedRange<Int>, _ apply: (Int) -> Void) throws {
            guard let text = file[section, key] else { return }
            guard let value = Int(text), range.contains(value) else {
                throw InvalidValue(section: section, key: key, value: text)
            }
            apply(value)
        }

        /// Seconds, fractions allowed ("2.5").
        func seconds(_ section: String, _ key: String, _ range: ClosedRange<Double>, _ apply: (Duration) -> Void) throws {
            guard let text = file[section, key] else { return }
            guard let value = Double(text), range.contains(value) else {
                throw InvalidValue(section: section, key: key, value: text)
            }
            apply(.milliseconds(Int64((value * 1000).rounded())))
        }

        func redis(_ section: String, into redis: inout RedisConfiguration) throws {
            read(section, "host") { redis.host = $0 }
            try int(section, "port", 1...65535) { redis.port = $0 }
            try int(section, "db", 0...15) { redis.database = $0 }
            try int(section, "connect_timeout_ms", 1...60_000) { redis.connectTimeout = .milliseconds($0) }
            try int(section, "command_timeout_ms", 1...60_000) { redis.commandTimeout = .milliseconds($0) }
        }
    }
}
