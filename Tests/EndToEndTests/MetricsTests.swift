import Foundation
import TestSupport
import Testing

/// Issue 19, item 7: /metrics as Prometheus and Grafana expect it.
@Suite("Metrics")
struct MetricsTests {
    @Test("/metrics passes prometheus_client: HELP and TYPE everywhere, process_* and build info, known series at 0 from start")
    func conventions() async throws {
        var config = DaemonConfig()
        config["users", "lockout_failures"] = "3"
        config["gateway", "max_line_bytes"] = "1024"
        try await withCluster(config: config) { cluster in
            let http = try #require(await cluster.daemons[0].httpPort())
            let start = try await ScrapedMetrics.scrape(port: http, into: cluster.directory)
            start.expectConventions("before any traffic")
            // Users counts its login failures where it runs: split, in the services process.
            let usersHTTP = try #require(await (cluster.services ?? cluster.daemons[0]).httpPort())
            let usersStart = try await ScrapedMetrics.scrape(port: usersHTTP, into: cluster.directory)
            usersStart.expectConventions("Users, before any traffic")

            for name in ["process_cpu_seconds_total", "process_resident_memory_bytes", "process_virtual_memory_bytes",
                         "process_open_fds", "process_max_fds", "process_start_time_seconds"] {
                #expect((start.value(name) ?? 0) > 0, "\(name)")
            }
            let startedAt = try #require(start.value("process_start_time_seconds"))
            #expect(abs(startedAt - Date().timeIntervalSince1970) < 120, "started just now: \(startedAt)")
            let build = start.families.first { $0.name == "mpim_build_info" }?.samples.first
            #expect(build?.value == 1 && build?.labels["version"]?.isEmpty == false, "\(String(describing: build))")

            let bounds = start.families.first { $0.name == "mpim_command_duration_seconds" }?.samples
                .filter { $0.name.hasSuffix("_bucket") && $0.labels["command"] == "PING" }.compactMap { $0.labels["le"] }
            #expect(bounds == ["0.00005", "0.0001", "0.0002", "0.0003", "0.0005", "0.00075", "0.001", "0.0015", "0.002",
                               "0.003", "0.005", "0.0075", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1.0", "+Inf"],
                    "latency buckets from 50 us to 1 s")

            // Every series known in advance is there before its first event, at 0.
            var known: [(String, [String: String])] = [
                ("mpim_rate_limited_lines_total", [:]),
                ("mpim_pushes_written_total", [:]), ("mpim_slow_consumer_kicks_total", [:]),
                ("mpim_command_duration_seconds_count", ["command": "SEND"]),
                ("mpim_store_write_duration_seconds_count", [:]),
            ]
            known += ["unknown_command", "invalid_utf8", "line_too_long"].map { ("mpim_rejected_lines_total", ["reason": $0]) }
            known += ["in_process", "pubsub", "stream", "pull"].map { ("mpim_deliveries_total", ["path": $0]) }
            known += ["hit", "miss", "failure"].map { ("mpim_route_queries_total", ["result": $0]) }
            known += ["version", "malformed"].map { ("mpim_bus_payloads_dropped_total", ["reason": $0]) }
            known += ["direct", "group"].map { ("mpim_messages_acknowledged_total", ["kind": $0]) }
            known += ["queue", "cache"].map { ("mpim_redis_reconnects_total", ["connection": $0]) }
            for kind in ["user_info", "friends", "group_info", "members"] {
                known += ["hit", "miss", "failure"].map { ("mpim_cache_requests_total", ["kind": kind, "result": $0]) }
            }
            let client = try await cluster.client()
            let help = try await client.cmd("HELP")
            let commands = help.dropFirst("+OK commands: ".count).split(separator: " ").map(String.init)
            #expect(commands.count > 20, "\(help)")
            for command in commands {
                known += ["ok", "error"].map { ("mpim_commands_total", ["command": command, "result": $0]) }
            }
            for (name, labels) in known {
                #expect(start.value(name, labels) == 0, "\(name) \(labels) at start")
            }
            let usersKnown: [(String, [String: String])] = [("mpim_login_lockouts_total", [:])]
                + ["auth_failed", "auth_locked"].map { ("mpim_login_failures_total", ["reason": $0]) }
            for (name, labels) in usersKnown {
                #expect(usersStart.value(name, labels) == 0, "\(name) \(labels) at start")
            }

            // Usage errors of a known command are its errors; lines that are no command are rejected lines.
            let (a, name, _) = try await cluster.registeredClient()
            try await a.expectReply("SEND x hi", "-ERR bad uid")
            try await a.expectReply("SEND 5", "-ERR usage: SEND <to_uid> <text>")
            try await a.expectReply("FROB 1", "-ERR unknown cmd")
            try await a.sendRaw(Array("PING ".utf8) + [0xFF, UInt8(ascii: "\n")])
            try await a.expectNextReply("-ERR invalid utf-8")
            let long = try await cluster.client()
            try await long.sendRaw(String(repeating: "X", count: 2000) + "\n")
            try await long.expectNextReply("-ERR line too long")
            // Three failures lock the name; the next try is refused as locked.
            let intruder = try await cluster.client()
            for _ in 0..<3 { try await intruder.expectReply("LOGIN \(name) nope", "-ERR auth failed") }
            try await intruder.expectReply("LOGIN \(name) pw123", "-ERR auth locked")

            let after = try await ScrapedMetrics.scrape(port: http, into: cluster.directory)
            after.expectConventions("after traffic")
            func moved(_ name: String, _ labels: [String: String] = [:]) -> Double {
                after.moved(name, labels, since: start)
            }
            #expect(moved("mpim_commands_total", ["command": "SEND", "result": "error"]) == 2)
            #expect(moved("mpim_commands_total", ["command": "SEND", "result": "ok"]) == 0)
            #expect(moved("mpim_commands_total", ["command": "HELP", "result": "ok"]) == 1)
            #expect(moved("mpim_rejected_lines_total", ["reason": "unknown_command"]) == 1)
            #expect(moved("mpim_rejected_lines_total", ["reason": "invalid_utf8"]) == 1)
            #expect(moved("mpim_rejected_lines_total", ["reason": "line_too_long"]) == 1)
            #expect(moved("mpim_commands_total", ["command": "LOGIN", "result": "error"]) == 4)
            let usersAfter = try await ScrapedMetrics.scrape(port: usersHTTP, into: cluster.directory)
            func usersMoved(_ name: String, _ labels: [String: String] = [:]) -> Double {
                usersAfter.moved(name, labels, since: usersStart)
            }
            #expect(usersMoved("mpim_login_failures_total", ["reason": "auth_failed"]) == 3)
            #expect(usersMoved("mpim_login_failures_total", ["reason": "auth_locked"]) == 1)
            #expect(usersMoved("mpim_login_lockouts_total") == 1)
        }
    }
}
