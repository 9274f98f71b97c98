import Foundation
import TestSupport
import Testing

/// Issue 19: what an operator meets when mpimd is started with bad input.
@Suite("Start-up input")
struct StartupTests {
    /// Runs mpimd to its end in a fresh folder, with `config` as `bad.conf` when given.
    private func mpimd(_ arguments: [String], config: String? = nil) async throws -> ProgramRun {
        let directory = try makeTemporaryDirectory(prefix: "mpim-startup")
        defer { try? FileManager.default.removeItem(at: directory) }
        if let config {
            try config.write(to: directory.appendingPathComponent("bad.conf"), atomically: false, encoding: .utf8)
        }
        return try await ProgramRun.run(try DaemonProcess.binaryPath(), arguments, in: directory, timeout: .seconds(10))
    }

    @Test("a bad flag ends mpimd at once: one line naming it and what it must be, status 64")
    func badFlags() async throws {
        let port = try await mpimd(["--port", "99999"])
        #expect(port.exitCode == 64)
        #expect(port.lines == ["mpimd: --port 99999: must be a whole number 0–65535 (0 picks a free port)"])
        let level = try await mpimd(["--log-level", "loud"])
        #expect(level.exitCode == 64)
        #expect(level.lines == ["mpimd: --log-level loud: must be trace, debug, info, notice, warning, error or critical"])
        let unknown = try await mpimd(["--prot", "8000"])
        #expect(unknown.exitCode == 64)
        #expect(unknown.lines.count == 1 && unknown.lines[0].hasPrefix("mpimd: Unknown option '--prot'"), "\(unknown.lines)")
        let missing = try await mpimd(["--redis-port"])
        #expect(missing.exitCode == 64 && missing.lines.count == 1, "\(missing.lines)")
    }

    @Test("a bad config file ends mpimd at once: one line with file, line and what is wrong, status 78")
    func badConfigFiles() async throws {
        let cases = [
            ("[gateway]\nport = 99999\n", "mpimd: bad.conf:2: [gateway] port = 99999: must be a whole number 0–65535 (0 picks a free port)"),
            ("; mine\n[gateway]\nprot = 8000\n", "mpimd: bad.conf:3: unknown key [gateway] prot (did you mean port?)"),
            ("[gatewy]\nport = 8000\n", "mpimd: bad.conf:1: unknown section [gatewy] (did you mean [gateway]?)"),
            ("[http]\nadmin_tokn = x\n", "mpimd: bad.conf:2: unknown key [http] admin_tokn (did you mean admin_token?)"),
            ("[presence]\nheartbeat_interval = 20\n",
             "mpimd: bad.conf:2: [presence] heartbeat_interval = 20: must be shorter than [presence] heartbeat_ttl (10)"),
        ]
        for (text, line) in cases {
            let run = try await mpimd(["--config", "bad.conf"], config: text)
            #expect(run.exitCode == 78, "\(text)")
            #expect(run.lines == [line])
        }
        let absent = try await mpimd(["--config", "/nonexistent.conf"])
        #expect(absent.exitCode == 78)
        #expect(absent.lines == ["mpimd: cannot read /nonexistent.conf: No such file or directory"])
    }

    @Test("--check-config prints each key's value and source; exit 0 when valid, 78 when not")
    func checkConfig() async throws {
        let valid = try await mpimd(["--check-config", "--config", "bad.conf", "--gateway-id", "gw-x"],
                                    config: "[gateway]\nport = 9000\n[http]\nadmin_token = secret-value\n")
        #expect(valid.exitCode == 0)
        #expect(valid.lines.contains("gateway.port = 9000 (file)"))
        #expect(valid.lines.contains("gateway.gateway_id = gw-x (flag)"))
        #expect(valid.lines.contains("gateway.route_ttl = 120 (default)"))
        #expect(valid.lines.contains("http.admin_token = (set, 12 characters) (file)"))
        #expect(!valid.output.contains("secret-value"))
        #expect(valid.lines.allSatisfy { $0.firstMatch(of: /^[a-z_]+\.[a-z_]+ = .* \((default|file|flag)\)$/) != nil })
        let invalid = try await mpimd(["--check-config", "--config", "bad.conf"], config: "[gateway]\nport = -1\n")
        #expect(invalid.exitCode == 78)
        #expect(invalid.lines.count == 1 && invalid.lines[0].hasPrefix("mpimd: bad.conf:2: [gateway] port = -1"))
    }

    @Test("a taken port is named with listener and address, and the running daemon is left as it was")
    func takenPorts() async throws {
        try await withCluster { cluster in
            let daemon = cluster.daemons[0]
            let (a, _, ua) = try await cluster.registeredClient()
            let (b, _, ub) = try await cluster.registeredClient()
            let before = try await cluster.routeSnapshot(users: [ua, ub], gateway: daemon.gatewayID)
            let http = try #require(await daemon.httpPort())
            let common = ["--config", cluster.configFile.path,
                          "--redis-port", "\(cluster.redis.port)", "--db", cluster.database.path]

            let gatewayPort = try await ProgramRun.run(
                try DaemonProcess.binaryPath(), common + ["--gateway-id", "gw-other", "--port", "\(daemon.port)", "--http-port", "0"],
                in: cluster.directory)
            #expect(gatewayPort.exitCode == 1)
            #expect(gatewayPort.lines.last == "mpimd: gateway listener 127.0.0.1:\(daemon.port): address already in use",
                    "\(gatewayPort.output)")
            let httpPort = try await ProgramRun.run(
                try DaemonProcess.binaryPath(), common + ["--gateway-id", "gw-other", "--port", "0", "--http-port", "\(http)"],
                in: cluster.directory)
            #expect(httpPort.exitCode == 1)
            #expect(httpPort.lines.last == "mpimd: http listener 127.0.0.1:\(http): address already in use", "\(httpPort.output)")

            #expect(try await cluster.routeSnapshot(users: [ua, ub], gateway: daemon.gatewayID) == before)
            try await a.expectReply("WHO \(ub)", "+OK \(ub)=online")
            _ = try await a.sendMessage(to: ub, "still here")
            #expect(field(try await b.push(), "text") == "still here")
        }
    }
}
