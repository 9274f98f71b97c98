import Foundation
import Testing
import TestSupport

@testable import mpim_bench

/// mpim-bench run as a program against a real redis-server and mpimd, each on a
/// free port and stopped by pid afterwards.
@Suite("mpim-bench against a real mpimd", .serialized, .timeLimit(.minutes(2)))
struct SmokeTests {
    @Test("send: 4 pairs for a second deliver messages and say so in the key=value line")
    func send() async throws {
        try await withDaemon { port, pid in
            let figures = try await runBench(["send", "--port", "\(port)", "--seconds", "1", "--warmup", "0.5",
                                              "--pairs", "4", "--window", "4", "--server-pid", "\(pid)"])
            #expect(figures["scenario"] == "send")
            #expect(Int(figures["sends"] ?? "") ?? 0 > 0)
            #expect(Int(figures["deliveries"] ?? "") ?? 0 > 0)
            #expect(figures["errors"] == "0")
            #expect(figures["missing"] == "0")
            #expect(Int(figures["deliver_p50_us"] ?? "") ?? 0 > 0)
            #expect(Int(figures["server_rss_kb"] ?? "") ?? 0 > 0)
        }
    }

    @Test("send at a fixed rate also reports how late the bench itself sent (lag_…), and only then")
    func sendLateness() async throws {
        try await withDaemon { port, pid in
            let paced = try await runBench(["send", "--port", "\(port)", "--seconds", "1", "--warmup", "0.2",
                                            "--pairs", "2", "--window", "4", "--rate", "200", "--server-pid", "\(pid)"])
            #expect(paced["errors"] == "0")
            let p50 = try #require(Int(paced["lag_p50_us"] ?? ""))
            let p999 = try #require(Int(paced["lag_p999_us"] ?? ""))
            #expect(p50 <= p999)
            // Lateness is part of the measured latency, so it cannot exceed it.
            #expect(p50 <= Int(paced["send_max_us"] ?? "") ?? 0)
            let unpaced = try await runBench(["send", "--port", "\(port)", "--seconds", "0.3", "--warmup", "0",
                                              "--pairs", "1", "--window", "2"])
            #expect(unpaced["lag_p50_us"] == nil)
        }
    }

    @Test("send with HISTORY readers: each reply returns the messages its reader stored, timed apart from the sends")
    func sendWithHistory() async throws {
        try await withDaemon { port, pid in
            let figures = try await runBench(["send", "--port", "\(port)", "--seconds", "1", "--warmup", "0.2",
                                              "--pairs", "2", "--window", "4", "--history", "2", "--history-limit", "5",
                                              "--server-pid", "\(pid)"])
            #expect(figures["errors"] == "0")
            #expect(figures["missing"] == "0")
            #expect(figures["history_readers"] == "2")
            #expect(Int(figures["histories"] ?? "") ?? 0 > 0)
            #expect(figures["history_messages_per_reply"] == "5.0")
            let p50 = try #require(Int(figures["history_p50_us"] ?? ""))
            #expect(p50 > 0 && p50 <= Int(figures["history_max_us"] ?? "") ?? 0)
            #expect(Int(figures["server_rss_kb_start"] ?? "") ?? 0 > 0)
            // Plain send rows print no history figures.
            let plain = try await runBench(["send", "--port", "\(port)", "--seconds", "0.3", "--warmup", "0",
                                            "--pairs", "1", "--window", "2"])
            #expect(plain["histories"] == nil)
        }
    }

    @Test("group, connect and login complete against the same daemon", arguments: [
        ["group", "--members", "3", "--window", "2", "--seconds", "0.5", "--warmup", "0"],
        ["connect", "--connections", "20", "--seconds", "0"],
        ["login", "--connections", "2", "--seconds", "0.5", "--warmup", "0"],
    ])
    func otherScenarios(arguments: [String]) async throws {
        try await withDaemon { port, pid in
            let figures = try await runBench(arguments + ["--port", "\(port)", "--server-pid", "\(pid)"])
            #expect(figures["scenario"] == arguments[0])
            #expect(figures["errors"] == "0")
            switch arguments[0] {
            case "group": #expect(Int(figures["deliveries"] ?? "") ?? 0 > 0)
            case "connect": #expect(figures["established"] == "20")
            default: #expect(Int(figures["logins"] ?? "") ?? 0 > 0)
            }
        }
    }

    @Test("a run capped by the server's line limit says so: a note and rate_limited=<n>; a normal run has neither")
    func rateLimited() async throws {
        try await withDaemon(maxLinesPerSecond: 50) { port, _ in
            let (figures, output) = try await runBenchWithOutput(
                ["send", "--port", "\(port)", "--seconds", "0.5", "--warmup", "0.2", "--pairs", "1", "--window", "4"])
            let limited = try #require(Int(figures["rate_limited"] ?? ""))
            #expect(limited > 0)
            #expect(Int(figures["errors"] ?? "") ?? 0 >= limited)
            #expect(output.contains("note: \(limited) replies were \"-ERR rate limited\""), "\(output)")
            #expect(output.contains("max_lines_per_second"))
            // --json: stdout stays one JSON object, the note goes to stderr (the same log here).
            let (json, jsonOutput) = try await runBenchWithOutput(
                ["send", "--port", "\(port)", "--seconds", "0.3", "--warmup", "0", "--pairs", "1", "--window", "4", "--json"])
            #expect(Int(json["rate_limited"] ?? "") ?? 0 > 0)
            #expect(jsonOutput.contains("note: "))
        }
        try await withDaemon { port, _ in
            let (figures, output) = try await runBenchWithOutput(
                ["send", "--port", "\(port)", "--seconds", "0.5", "--warmup", "0.2", "--pairs", "1", "--window", "4"])
            #expect(figures["rate_limited"] == "0")
            #expect(figures["errors"] == "0")
            #expect(!output.contains("note:"), "\(output)")
        }
    }

    @Test("--ping-only drives any line server: redis-server answers +PONG")
    func pingOnly() async throws {
        try await withRedisServer { redis in
            let figures = try await runBench(["send", "--ping-only", "--port", "\(redis.port)", "--pairs", "2",
                                              "--window", "2", "--seconds", "0.5", "--warmup", "0", "--json"])
            #expect(figures["scenario"] == "ping")
            #expect(Int(figures["pings"] ?? "") ?? 0 > 0)
            #expect(figures["errors"] == "0")
        }
    }
}

// MARK: Support

/// `name` beside the running test bundle (SwiftPM builds the test target's executable dependencies there).
private func binary(_ name: String) throws -> String {
    let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    let path = URL(fileURLWithPath: executable).deletingLastPathComponent().appendingPathComponent(name).path
    guard FileManager.default.isExecutableFile(atPath: path) else {
        throw TestFailure("no \(name) at \(path): run `swift build --build-tests` first")
    }
    return path
}

/// A redis-server and one mpimd (bcrypt cost 4, its own SQLite file, free ports),
/// both stopped by pid when `body` ends. Its per-connection line limit is out
/// of the way unless given, as in `make bench`: the bench measures the server.
private func withDaemon(maxLinesPerSecond: Int = 10_000_000,
                        _ body: (_ port: Int, _ pid: Int32) async throws -> Void) async throws {
    try await withRedisServer { redis in
        let directory = try makeTemporaryDirectory(prefix: "mpim-bench-test")
        let config = directory.appendingPathComponent("mpimd.conf")
        try "[users]\nbcrypt_cost = 4\n\n[gateway]\nmax_lines_per_second = \(maxLinesPerSecond)\n"
            .write(to: config, atomically: false, encoding: .utf8)
        let log = directory.appendingPathComponent("mpimd.log")
        let daemon = try ChildProcess(
            name: "mpimd", executable: try binary("mpimd"),
            arguments: ["--config", config.path, "--host", "127.0.0.1", "--port", "0", "--gateway-id", "bench-test",
                        "--redis-host", "127.0.0.1", "--redis-port", "\(redis.port)",
                        "--db", directory.appendingPathComponent("mpim.db").path, "--http-port", "0"],
            directory: directory, log: log)
        try await withCleanup {
            let port = try await gatewayPort(of: daemon, log: log)
            try await body(port, daemon.pid)
        } cleanup: {
            await daemon.stop()
            if !keepTemporaryFiles { try? FileManager.default.removeItem(at: directory) }
        }
    }
}

/// Waits for mpimd's `listening on 127.0.0.1:<port>` line (not the HTTP server's).
private func gatewayPort(of daemon: ChildProcess, log: URL) async throws -> Int {
    var port: Int?
    try await eventually("mpimd logs its gateway port", timeout: .seconds(30)) {
        let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        port = text.split(separator: "\n")
            .filter { $0.contains("gateway listening") }
            .compactMap { $0.firstMatch(of: /127\.0\.0\.1:(\d+)/).flatMap { Int($0.1) } }
            .first
        return port != nil || !daemon.isRunning
    }
    guard let port else { throw TestFailure("mpimd \(daemon.exitDescription) before listening\n\(logTail(log))") }
    return port
}

/// Runs mpim-bench to its end and returns the figures of its last `scenario=…` line
/// (or of its JSON object, with --json).
private func runBench(_ arguments: [String]) async throws -> [String: String] {
    try await runBenchWithOutput(arguments).figures
}

/// `runBench`, and everything the bench printed (stdout and stderr).
private func runBenchWithOutput(_ arguments: [String]) async throws -> (figures: [String: String], output: String) {
    let directory = try makeTemporaryDirectory(prefix: "mpim-bench-run")
    defer { if !keepTemporaryFiles { try? FileManager.default.removeItem(at: directory) } }
    let log = directory.appendingPathComponent("bench.log")
    let bench = try ChildProcess(name: "mpim-bench", executable: try binary("mpim-bench"), arguments: arguments,
                                 directory: directory, log: log)
    guard await bench.waitForExit(timeout: .seconds(60)) else {
        await bench.kill()
        throw TestFailure("mpim-bench \(arguments.joined(separator: " ")) did not finish within 60 s\n\(logTail(log))")
    }
    let output = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
    guard bench.exitDescription == "exited with status 0" else {
        throw TestFailure("mpim-bench \(arguments.joined(separator: " ")) \(bench.exitDescription)\n\(output)")
    }
    if let json = output.split(separator: "\n").last(where: { $0.hasPrefix("{") }) {
        let object = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any] ?? [:]
        return (object.mapValues { "\($0)" }, output)
    }
    guard let line = output.split(separator: "\n").last(where: { $0.hasPrefix("scenario=") }) else {
        throw TestFailure("mpim-bench printed no scenario=… line:\n\(output)")
    }
    return (Figures.parse(keyValueLine: String(line)), output)
}
