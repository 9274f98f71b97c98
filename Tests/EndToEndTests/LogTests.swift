import Foundation
import TestSupport
import Testing

/// Issue 19, item 6: what a daemon's log says, read from the log file of a real one.
@Suite("Logs")
struct LogTests {
    @Test("every connection's end is one info line with its real reason, uid, device and address")
    func connectionEnds() async throws {
        var config = DaemonConfig()
        config["http", "admin_token"] = "s3cret"
        config["presence", "max_devices"] = "2"
        config["gateway", "max_line_bytes"] = "1024"
        try await withCluster(config: config) { cluster in
            let daemon = cluster.daemons[0]
            let http = try #require(await daemon.httpPort())
            func closed(_ reason: String, uid: Int? = nil, device: String? = nil) async throws {
                var fields = ["reason=\(reason) ", "remote=127.0.0.1:"]
                if let uid { fields.append("uid=\(uid) ") }
                if let device { fields.append("device=\(device) ") }
                try await daemon.logLine("info", "connection closed", with: fields)
            }

            let (quitter, _, quitterID) = try await cluster.registeredClient()
            try await quitter.expectReply("QUIT", "+OK bye")
            try await closed("quit", uid: quitterID, device: "cli")

            let (first, name, uid) = try await cluster.registeredClient()
            let second = try await cluster.client()
            _ = try await second.login(name)
            #expect(try await first.push() == "KICKED reason=duplicate login")
            try await closed("duplicate login", uid: uid, device: "cli")

            let phone = try await cluster.client()
            _ = try await phone.login(name, device: "phone")
            let tablet = try await cluster.client()
            _ = try await tablet.login(name, device: "tablet")
            #expect(try await second.push() == "KICKED reason=too many devices")
            try await closed("too many devices", uid: uid, device: "cli")

            let kick = try httpRequest(port: http, method: "POST", path: "/admin/kick?uid=\(uid)&device=phone",
                                       token: "s3cret")
            #expect(kick.status == 200)
            try await daemon.logLine("info", "admin kick", with: ["uid=\(uid) ", "device=phone ", "kicked=1 "])
            try await closed("admin", uid: uid, device: "phone")

            let broadcast = try httpRequest(port: http, method: "POST", path: "/admin/broadcast", token: "s3cret",
                                            body: "maintenance at noon")
            #expect(broadcast.status == 200)
            try await daemon.logLine("info", "admin broadcast", with: ["text=maintenance at noon ", "sessions_here=1 "])

            let long = try await cluster.client()
            try await long.sendRaw(String(repeating: "X", count: 2000) + "\n")
            try await long.expectNextReply("-ERR line too long")
            try await closed("line too long")

            let anonymous = try await cluster.client()
            anonymous.close()
            try await closed("client closed")

            let ending = await daemon.terminate(grace: .seconds(5))
            #expect(ending == "exited with status 0")
            try await closed("server shutdown", uid: uid, device: "tablet")

            let ends = daemon.logLines("info", "connection closed")
            let connections = ends.compactMap { $0.firstMatch(of: #/conn=(\d+) /#).map { String($0.1) } }
            #expect(connections.count == ends.count && Set(connections).count == ends.count,
                    "one line per connection:\n\(ends.joined(separator: "\n"))")
            #expect(ends.count == 7, "\(ends.joined(separator: "\n"))")
            for quiet in ["login", "logout", "connection opened", "kicked", "kicking session"] {
                #expect(daemon.logLines("info", quiet).isEmpty, "`\(quiet)` is not logged at info")
            }
        }
    }

    @Test("failed logins are logged with the name and address, never the password; the lockout is a warning")
    func failedLogins() async throws {
        var config = DaemonConfig()
        config["users", "lockout_failures"] = "2"
        try await withCluster(config: config) { cluster in
            let daemon = cluster.daemons[0]
            let (_, name, _) = try await cluster.registeredClient()
            let intruder = try await cluster.client()
            try await intruder.expectReply("LOGIN \(name) Wr0ngPa55", "-ERR auth failed")
            try await intruder.expectReply("LOGIN \(name) Wr0ngPa55", "-ERR auth failed")
            try await intruder.expectReply("LOGIN \(name) pw123", "-ERR auth locked")
            try await intruder.expectReply("LOGIN nobody-\(name) Wr0ngPa55", "-ERR auth failed")
            try await daemon.logLine("info", "login failed", with: ["user=nobody-\(name) "])
            let failed = daemon.logLines("info", "login failed", with: ["user=\(name) ", "remote=127.0.0.1:"])
            #expect(failed.filter { $0.contains("reason=auth failed ") }.count == 2, "\(failed)")
            #expect(failed.filter { $0.contains("reason=auth locked ") }.count == 1, "\(failed)")
            // Users logs the lockout where it runs: split, in the services process.
            let locked = (cluster.services ?? daemon).logLines("warning", "login locked", with: ["user=\(name) ", "failures=2 "])
            #expect(locked.count == 1)
            #expect(!daemon.logLines.contains { $0.contains("Wr0ngPa55") || $0.contains("pw123") }, "no password")
        }
    }

    @Test("rate limiting warns once per connection per interval with the count; the end line totals it")
    func rateLimited() async throws {
        var config = DaemonConfig()
        config["gateway", "max_lines_per_second"] = "5"
        try await withCluster(config: config) { cluster in
            let daemon = cluster.daemons[0]
            let (client, _, uid) = try await cluster.registeredClient()
            try await client.sendRaw(String(repeating: "PING\n", count: 30))
            var refused = 0
            for _ in 0..<30 {
                if try await client.reply() == "-ERR rate limited" { refused += 1 }
            }
            #expect(refused >= 20)
            client.close()
            try await daemon.logLine("info", "connection closed", with: ["uid=\(uid) ", "rate_limited=\(refused) "])
            let warnings = daemon.logLines("warning", "rate limited", with: ["uid=\(uid) "])
            #expect(warnings.count == 1 && warnings.first?.contains("lines=1 ") == true,
                    "one warning, at the first refusal:\n\(warnings.joined(separator: "\n"))")
        }
    }

    @Test("an idle timeout is logged as the connection's end, with who it was")
    func idleTimeout() async throws {
        var config = DaemonConfig()
        config["gateway", "idle_timeout"] = "0.5"
        try await withCluster(config: config) { cluster in
            let (client, _, uid) = try await cluster.registeredClient()
            #expect(try await client.push() == "KICKED reason=idle timeout")
            try await cluster.daemons[0].logLine(
                "info", "connection closed", with: ["reason=idle timeout ", "uid=\(uid) ", "device=cli "])
        }
    }

    @Test("a slow consumer is kicked, logged and counted once")
    func slowConsumer() async throws {
        var config = DaemonConfig()
        config["gateway", "max_outbound_bytes"] = "65536"
        try await withCluster(config: config) { cluster in
            let daemon = cluster.daemons[0]
            let (registered, name, uid) = try await cluster.registeredClient()
            registered.close()
            let sleeper = try RawSocket(port: daemon.port, receiveBuffer: 4096)
            defer { sleeper.close() }
            try sleeper.send("LOGIN \(name) pw123\n")
            let (sender, _, _) = try await cluster.registeredClient()
            let payload = String(repeating: "x", count: 40_000)
            for round in 0..<120 {
                _ = try await sender.sendMessage(to: uid, "\(round) \(payload)")
            }
            #expect(sleeper.drainUntilClosed(within: .seconds(5)).hasSuffix("KICKED reason=slow consumer\n"))
            try await daemon.logLine("info", "connection closed", with: ["reason=slow consumer ", "uid=\(uid) "])
            let http = try #require(await daemon.httpPort())
            let metrics = try await ScrapedMetrics.scrape(port: http, into: cluster.directory)
            #expect(metrics.value("mpim_slow_consumer_kicks_total") == 1, "pushes after the kick do not kick again")
        }
    }

    @Test("while Redis is down, bind and unbind failures log one warning each, and a count when they succeed again")
    func redisOutage() async throws {
        try await withCluster { cluster in
            let daemon = cluster.daemons[0]
            let http = try #require(await daemon.httpPort())
            let (client, name, _) = try await cluster.registeredClient()
            try await client.expectReply("LOGOUT", "+OK logout success")
            await cluster.redis.stop()
            _ = try await eventually { try httpGet(port: http, path: "/healthz") } until: {
                $0.body.contains(#""status":"degraded""#)
            }
            for _ in 0..<4 {
                _ = try await client.login(name)
                try await client.expectReply("LOGOUT", "+OK logout success")
            }
            try await cluster.redis.restart()
            _ = try await eventually { try httpGet(port: http, path: "/healthz") } until: {
                $0.body.contains(#""status":"ok""#)
            }
            _ = try await client.login(name)
            try await client.expectReply("LOGOUT", "+OK logout success")
            for operation in ["bind", "unbind"] {
                let failed = daemon.logLines("warning", "\(operation) failed; further failures are counted until one succeeds")
                #expect(failed.count == 1, "\(operation): \(failed)")
                try await daemon.logLine("info", "\(operation) succeeds again", with: ["failures=4 "])
            }
        }
    }
}
