#if canImport(Glibc)
import Glibc
#endif
import MPIMCore
import PostgresStorage
import ServicesRPC
import Presence
import RedisClient
import Storage

/// Every key `mpimd` reads, in the order of `etc/mpimd.conf`; defaults are
/// those of `DaemonConfiguration()`.
extension ConfigurationKey {
    static var all: [ConfigurationKey] {
        let port = ValueKind<Int>.integer(0...65535, unit: " (0 picks a free port)")
        return [
            .init("gateway", "host", .host, flags: ["--host"], \.gateway.host),
            .init("gateway", "port", port, flags: ["--port"], \.gateway.port),
            .init("gateway", "gateway_id", .text("1–64 of A-Z a-z 0-9 _ . -") {
                NameCharacters.isValidName($0, maxLength: 64)
            }, flags: ["--gateway-id"], \.gateway.gatewayID),
            .init("gateway", "max_line_bytes", .integer(64...(16 << 20)), \.gateway.maxLineBytes),
            .init("gateway", "route_ttl", .wholeSeconds(1...86400), flags: ["--route-ttl"], \.routeTTL),
            .init("gateway", "idle_timeout", .seconds(0.1...86400), \.gateway.idleTimeout),
            .init("gateway", "max_lines_per_second", .integer(1...10_000_000), \.gateway.maxLinesPerSecond),
            .init("gateway", "max_outbound_bytes", .integer(4096...(1 << 30)), \.gateway.maxOutboundBytes),

            .init("presence", "max_devices", .integer(1...100), \.maxDevices),
            .init("presence", "heartbeat_ttl", .seconds(0.2...3600), \.heartbeatTTL),
            .init("presence", "heartbeat_interval", .seconds(0.1...3600), \.heartbeatInterval),

            .init("redis_queue", "mode", .cases, \.queueMode),
            .init("redis_queue", "stream_maxlen", .integer(100...100_000_000), \.streamMaxLength),
        ] + redisKeys("redis_queue", \.redisQueue) + redisKeys("redis_cache", \.redisCache) + [
            .init("redis_cache", "user_info_ttl", .wholeSeconds(1...604_800), \.cacheTTLs.userInfo),
            .init("redis_cache", "friends_ttl", .wholeSeconds(1...604_800), \.cacheTTLs.friends),
            .init("redis_cache", "group_info_ttl", .wholeSeconds(1...604_800), \.cacheTTLs.groupInfo),
            .init("redis_cache", "members_ttl", .wholeSeconds(1...604_800), \.cacheTTLs.members),

            .init("storage", "backend", .cases, flags: ["--storage"], \.storageBackend),
        ] + postgresKeys + [
            .init("sqlite", "path", .text("a file path") { !$0.isEmpty }, flags: ["--db"], \.database.path),
            .init("sqlite", "busy_timeout_ms", .milliseconds(0...600_000), \.database.busyTimeout),
            .init("sqlite", "wal_restart_mb", ValueKind<Int>.integer(1...65_536, unit: " MiB").map({ $0 << 20 }, back: {
                $0 >> 20
            }), \.database.walRestartBytes),
            .init("sqlite", "synchronous", .cases, \.database.synchronous),

            .init("users", "bcrypt_cost", ValueKind<Int>.integer(4...31).map({ UInt8($0) }, back: { Int($0) }), \.bcryptCost),
            .init("users", "lockout_failures", .integer(1...1000), \.lockoutFailures),
            .init("users", "lockout_window", .wholeSeconds(1...86400), \.lockoutWindow),
            .init("users", "lockout_seconds", .wholeSeconds(1...86400), \.lockoutDuration),
            .init("users", "verified_login_seconds", .wholeSeconds(0...86400), \.verifiedLoginLifetime),

            .init("http", "port", port, flags: ["--http-port"], \.httpPort),
            .init("http", "host", apply: { text, configuration throws(ValueProblem) in
                configuration.httpHost = try ValueKind<String>.host.parse(text)
            }, show: { $0.httpHost ?? $0.gateway.host }),
            // Never shown: a secret.
            .init("http", "admin_token", apply: { text, configuration throws(ValueProblem) in
                guard !text.contains(where: { $0 == " " || $0 == "\t" }) else {
                    throw ValueProblem(text: "must not contain spaces")
                }
                configuration.adminToken = text.isEmpty ? nil : text
            }, show: { $0.adminToken == nil ? "(unset: admin API disabled)" : "(set, \($0.adminToken!.count) characters)" }),

            .init("web", "port", flags: ["--web-port"], apply: { text, configuration throws(ValueProblem) in
                configuration.webPort = text == "off" ? nil : try ValueKind<Int>.integer(
                    0...65535, unit: " (0 picks a free port), or off").parse(text)
            }, show: { $0.webPort.map(String.init) ?? "off" }),
            .init("web", "host", apply: { text, configuration throws(ValueProblem) in
                configuration.webHost = try ValueKind<String>.host.parse(text)
            }, show: { $0.webHost ?? $0.gateway.host }),
            .init("web", "allowed_origins", apply: { text, configuration throws(ValueProblem) in
                let origins = text.split(separator: " ").map(String.init)
                for origin in origins where origin != "*" && !(origin.hasPrefix("http://") || origin.hasPrefix("https://")) {
                    throw ValueProblem(text: "must be origins such as https://chat.example.com, or *")
                }
                configuration.webAllowedOrigins = origins
            }, show: { $0.webAllowedOrigins.isEmpty ? "(none: same origin only)" : $0.webAllowedOrigins.joined(separator: " ") }),

        ] + servicesKeys + [
            .init("log", "level", .cases, flags: ["--log-level"], \.logLevel),
        ]
    }

    /// `[services]`: where Users and Groups run.
    private static var servicesKeys: [ConfigurationKey] {
        [
            .init("services", "serve", flags: ["--serve"], apply: { text, configuration throws(ValueProblem) in
                var served: [ServedService] = []
                for word in text.split(separator: ",").map({ String($0.filter { !$0.isWhitespace }).lowercased() }) {
                    guard let service = ServedService(rawValue: word) else {
                        throw ValueProblem(text: "must be users, groups or both (users,groups), or empty for a gateway")
                    }
                    if !served.contains(service) { served.append(service) }
                }
                configuration.services.serve = served
            }, show: { $0.services.serve.isEmpty ? "(none: a gateway)" : $0.services.serve.map(\.rawValue).joined(separator: ",") }),
            .init("services", "grpc_host", .text("an IPv4 or IPv6 address") { isIPAddress($0) }, \.services.grpcHost),
            .init("services", "grpc_port", .integer(0...65535, unit: " (0 picks a free port)"), flags: ["--grpc-port"],
                  \.services.grpcPort),
            remoteServiceKey("users", \.services.users),
            remoteServiceKey("groups", \.services.groups),
            .init("services", "deadline_ms", .milliseconds(1...600_000), \.services.deadline),
        ]
    }

    /// `[services] users` / `groups`: `host:port` of the process that serves it.
    private static func remoteServiceKey(_ name: String, _ path: WritableKeyPath<DaemonConfiguration, ServiceAddress?>)
        -> ConfigurationKey
    {
        .init("services", name, flags: ["--\(name)"], apply: { text, configuration throws(ValueProblem) in
            guard !text.isEmpty else {
                configuration[keyPath: path] = nil
                return
            }
            guard let address = ServiceAddress(parsing: text) else {
                throw ValueProblem(text: "must be host:port of a services process (127.0.0.1:50051, [::1]:50051), or empty for in process")
            }
            configuration[keyPath: path] = address
        }, show: { $0[keyPath: path].map(\.description) ?? "(in process)" })
    }

    /// `[postgres]`: the server, when `[storage] backend = postgres`.
    private static var postgresKeys: [ConfigurationKey] {
        [
            .init("postgres", "url", flags: ["--postgres-url"], apply: { text, configuration throws(ValueProblem) in
                do throws(PostgresURLError) {
                    try PostgresConfiguration.validate(url: text)
                } catch {
                    throw ValueProblem(text: "must be a URL such as postgres://mpim@127.0.0.1:5432/mpim (\(error.reason))")
                }
                configuration.postgres.url = text
            }, show: { $0.postgres.redactedURL }),
            .init("postgres", "pool_size", .integer(1...1000), \.postgres.poolSize),
            .init("postgres", "connect_timeout_ms", .milliseconds(1...60_000), \.postgres.connectTimeout),
            .init("postgres", "statement_timeout_ms", .milliseconds(1...600_000), \.postgres.statementTimeout),
        ]
    }

    /// The keys of one Redis role (`[redis_queue]`, `[redis_cache]`).
    private static func redisKeys(_ section: String, _ path: WritableKeyPath<DaemonConfiguration, RedisConfiguration>)
        -> [ConfigurationKey]
    {
        [
            .init(section, "host", .host, flags: ["--redis-host"], path.appending(path: \.host)),
            .init(section, "port", .integer(1...65535), flags: ["--redis-port"], path.appending(path: \.port)),
            .init(section, "db", .integer(0...15), path.appending(path: \.database)),
            .init(section, "connect_timeout_ms", .milliseconds(1...60_000), path.appending(path: \.connectTimeout)),
            .init(section, "command_timeout_ms", .milliseconds(1...60_000), path.appending(path: \.commandTimeout)),
        ]
    }
}


/// An IPv4 or IPv6 address literal (the gRPC listener binds one; names are not resolved).
private func isIPAddress(_ text: String) -> Bool {
    var v4 = in_addr()
    var v6 = in6_addr()
    return inet_pton(AF_INET, text, &v4) == 1 || inet_pton(AF_INET6, text, &v6) == 1
}
