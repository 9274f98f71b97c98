import Foundation
import TestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Issue 19: a gateway id is owned by one live process.
@Suite("Gateway id ownership")
struct GatewayIDTests {
    @Test("a second daemon with a live gateway's id is refused and changes nothing in Redis")
    func duplicateRefused() async throws {
        try await withCluster { cluster in
            let first = cluster.daemons[0]
            let (a, _, ua) = try await cluster.registeredClient()
            let (b, _, ub) = try await cluster.registeredClient()
            let before = try await cluster.routeSnapshot(users: [ua, ub], gateway: first.gatewayID)

            let second = try await ProgramRun.run(
                try DaemonProcess.binaryPath(),
                ["--config", cluster.configFile.path, "--gateway-id", first.gatewayID,
                 "--port", "0", "--http-port", "0", "--redis-port", "\(cluster.redis.port)", "--db", cluster.database.path],
                in: cluster.directory)
            #expect(second.exitCode == 1)
            let last = try #require(second.lines.last)
            #expect(last.firstMatch(
                of: /^mpimd: gateway id gateway-1 is held by a live process \(heartbeat \d+ s ago\); choose another --gateway-id$/)
                != nil, "\(second.output)")
            #expect(!second.output.contains("listening"))

            #expect(try await cluster.routeSnapshot(users: [ua, ub], gateway: first.gatewayID) == before)
            try await a.expectReply("WHO \(ub)", "+OK \(ub)=online")
            // Another gateway still reaches the first one's users.
            _ = try await cluster.startDaemon(gatewayID: "gateway-2")
            let (c, _, _) = try await cluster.registeredClient(1)
            _ = try await c.sendMessage(to: ua, "across")
            #expect(field(try await a.push(), "text") == "across")
        }
    }

    @Test("a restart right after kill -9 takes the id over within one heartbeat interval")
    func restartAfterKill() async throws {
        try await withCluster { cluster in
            let daemon = cluster.daemons[0]
            let (a, _, _) = try await cluster.registeredClient()
            let holder = try await cluster.redisCLI("GET", "gateway:alive:\(daemon.gatewayID)")
            await daemon.kill()
            let started = ContinuousClock.now
            try await daemon.start()
            let took = ContinuousClock.now - started
            #expect(took < .seconds(3), "up \(took) after kill -9; the heartbeat interval is 3 s")
            let now = try await cluster.redisCLI("GET", "gateway:alive:\(daemon.gatewayID)")
            #expect(now.first?.split(separator: " ").first != holder.first?.split(separator: " ").first,
                    "the new process holds the id: \(holder) -> \(now)")
            try await a.waitClosed()
            let (c, _, _) = try await cluster.registeredClient()
            try await c.expectReply("PING", "+OK pong")
        }
    }

    @Test("a live gateway whose heartbeat lapsed keeps its routes; once it is killed they are cleaned up")
    func lapsedButAlive() async throws {
        var config = DaemonConfig()
        config["presence", "heartbeat_ttl"] = "1"
        config["presence", "heartbeat_interval"] = "0.2"
        try await withCluster(gateways: 2, config: config) { cluster in
            let (a, _, _) = try await cluster.registeredClient(1)
            let (_, _, ub) = try await cluster.registeredClient(0)
            let stalled = try #require(cluster.daemons[0].pid)
            kill(stalled, SIGSTOP)
            try await withCleanup {
                try await Task.sleep(for: .milliseconds(2500))
                #expect(try await cluster.redisCLI("EXISTS", "gateway:alive:gateway-1") == ["0"], "the heartbeat lapsed")
                try await a.expectReply("WHO \(ub)", "+OK \(ub)=online")
            } cleanup: {
                kill(stalled, SIGCONT)
            }
            #expect(!cluster.daemons[1].logTail(lines: 1000).contains("cleaning up its routes"))
            try await eventually("the stalled gateway renews its heartbeat") {
                (try? await cluster.redisCLI("EXISTS", "gateway:alive:gateway-1")) == ["1"]
            }

            await cluster.daemons[0].kill()
            try await eventually("the dead gateway's user reads offline", timeout: .seconds(5)) {
                (try? await a.cmd("WHO \(ub)")) == "+OK \(ub)=offline"
            }
            #expect(cluster.daemons[1].logTail(lines: 1000).contains("cleaning up its routes"))
        }
    }
}
