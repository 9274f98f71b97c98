import Foundation
import Synchronization
import TestSupport

/// The ini file a test daemon reads: fast password hashing, plus whatever a test sets.
struct DaemonConfig: Sendable {
    /// section → key → value
    var settings: [String: [String: String]] = DaemonConfig.defaults

    /// Fast password hashing, and the queue mode from `MPIM_E2E_QUEUE_MODE`
    /// (`make test` runs the suite once with `stream`).
    static var defaults: [String: [String: String]] {
        var settings = ["users": ["bcrypt_cost": "4"]]
        if let mode = ProcessInfo.processInfo.environment["MPIM_E2E_QUEUE_MODE"], !mode.isEmpty {
            settings["redis_queue"] = ["mode": mode]
        }
        return settings
    }

    /// The storage backend the suite runs on: `MPIM_E2E_BACKEND`, `sqlite` by default.
    static var backend: String {
        let backend = ProcessInfo.processInfo.environment["MPIM_E2E_BACKEND"] ?? ""
        return backend.isEmpty ? "sqlite" : backend
    }

    /// Whether Users and Groups run in a services process of their own
    /// (`MPIM_E2E_SPLIT=1`; `make test` runs the suite once so).
    static var split: Bool {
        ProcessInfo.processInfo.environment["MPIM_E2E_SPLIT"] == "1"
    }

    subscript(section: String, key: String) -> String? {
        get { settings[section]?[key] }
        set { settings[section, default: [:]][key] = newValue }
    }

    var text: String {
        settings.keys.sorted().map { section in
            "[\(section)]\n" + settings[section]!.keys.sorted().map { "\($0) = \(settings[section]![$0]!)\n" }.joined()
        }.joined(separator: "\n")
    }
}

/// One `mpimd` on a free port, logging to `<directory>/<gateway id>.log`.
/// `restart()` keeps its gateway id, database and Redis; the port may change.
final class DaemonProcess: Sendable {
    let gatewayID: String
    let directory: URL
    let log: URL
    private let binary: String
    private let arguments: [String]
    private let state = Mutex<(process: ChildProcess?, port: Int)>((nil, 0))

    /// The gateway port of the running daemon (0 before it listens).
    var port: Int { state.withLock { $0.port } }
    var pid: Int32? { state.withLock { $0.process?.pid } }

    /// `$MPIMD`, or `mpimd` beside the running test bundle.
    static func binaryPath() throws -> String {
        if let path = ProcessInfo.processInfo.environment["MPIMD"], !path.isEmpty {
            return path
        }
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? CommandLine.arguments[0]
        let path = URL(fileURLWithPath: executable).deletingLastPathComponent().appendingPathComponent("mpimd").path
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw TestFailure("no mpimd at \(path): build it (`swift build`) or set MPIMD=<path to mpimd>")
        }
        return path
    }

    /// Starts a daemon with cwd `directory` and waits until it listens.
    static func start(gatewayID: String, redisPort: Int, database: URL, configFile: URL, directory: URL,
                      extraFlags: [String] = []) async throws -> DaemonProcess {
        let daemon = DaemonProcess(
            binary: try binaryPath(), gatewayID: gatewayID, directory: directory,
            arguments: ["--config", configFile.path, "--host", "127.0.0.1", "--port", "0",
                        "--gateway-id", gatewayID, "--redis-host", "127.0.0.1", "--redis-port", "\(redisPort)",
                        "--db", database.path, "--http-port", "0", "--web-port", "0"] + extraFlags)
        try await daemon.start()
        return daemon
    }

    private init(binary: String, gatewayID: String, directory: URL, arguments: [String]) {
        self.binary = binary
        self.gatewayID = gatewayID
        self.directory = directory
        self.arguments = arguments
        self.log = directory.appendingPathComponent("\(gatewayID).log")
    }

    /// Launches the binary and waits (up to 30 s) for its `listening on 127.0.0.1:<port>` line.
    func start() async throws {
        let logStart = (try? FileManager.default.attributesOfItem(atPath: log.path)[.size] as? Int) ?? 0
        let process = try ChildProcess(name: "mpimd \(gatewayID)", executable: binary, arguments: arguments,
                                       directory: directory, log: log)
        state.withLock { $0 = (process, 0) }
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            if let port = listeningPort(inLogFrom: logStart) {
                state.withLock { $0.port = port }
                return
            }
            guard process.isRunning else {
                throw TestFailure("mpimd \(gatewayID) \(process.exitDescription) before listening\n"
                                 + "command: \(binary) \(arguments.joined(separator: " "))\n\(logTail())")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        await process.kill()
        throw TestFailure("mpimd \(gatewayID) logged no `listening on 127.0.0.1:<port>` line within 30 s\n\(logTail())")
    }

    /// The HTTP (metrics, health, admin) port, once the daemon has logged it:
    /// the HTTP listener starts beside the gateway, not before it, so this
    /// waits (up to 10 s) for its line.
    func httpPort() async -> Int? {
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            if let port = loggedHTTPPort { return port }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return nil
    }

    /// The web listener's port (the web client and WebSocket sessions), once
    /// the daemon has logged it; waits up to 10 s like `httpPort()`.
    func webPort() async -> Int? {
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            if let port = loggedPort("web") { return port }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return nil
    }

    private var loggedHTTPPort: Int? { loggedPort("http") }

    /// From the latest `<listener> listening on 127.0.0.1:<port>` line, if any yet.
    private func loggedPort(_ listener: String) -> Int? {
        guard let data = FileManager.default.contents(atPath: log.path) else { return nil }
        let text = String(decoding: data, as: UTF8.self)
        return text.split(separator: "\n").reversed().lazy.compactMap { line -> Int? in
            guard let at = line.range(of: "\(listener) listening on 127.0.0.1:") else { return nil }
            return Int(line[at.upperBound...].prefix { $0.isNumber })
        }.first
    }

    /// The gateway port from the first `listening … 127.0.0.1:<port>` line written since `offset`
    /// (a line that says `http` before `listening` is the HTTP server's, not the gateway's).
    private func listeningPort(inLogFrom offset: Int) -> Int? {
        guard let data = FileManager.default.contents(atPath: log.path), data.count > offset else { return nil }
        let text = String(decoding: data[offset...], as: UTF8.self)
        for line in text.split(separator: "\n") {
            guard let listening = line.range(of: "listening") else { continue }
            let before = line[..<listening.lowerBound].lowercased()
            if before.contains("http") || before.contains("web") { continue }
            if let match = line[listening.upperBound...].firstMatch(of: /127\.0\.0\.1:(\d+)/) {
                return Int(match.1)
            }
        }
        return nil
    }

    /// SIGTERM, up to 10 s to exit, then SIGKILL.
    func stop() async {
        await takeProcess()?.stop()
    }

    /// SIGTERM, then waits up to `grace`; returns how it ended ("exited with
    /// status 0", "was killed by signal 9" after a SIGKILL when it overran).
    func terminate(grace: Duration) async -> String {
        guard let process = takeProcess() else { return "was not running" }
        process.send(SIGTERM)
        if await process.waitForExit(timeout: grace) { return process.exitDescription }
        await process.kill()
        return "did not exit within \(grace) of SIGTERM"
    }

    /// SIGKILL: no chance to flush anything.
    func kill() async {
        await takeProcess()?.kill()
    }

    /// Stops it gracefully and starts it again with the same flags.
    func restart() async throws {
        await stop()
        try await start()
    }

    private func takeProcess() -> ChildProcess? {
        state.withLock { state -> ChildProcess? in
            defer { state = (nil, 0) }
            return state.process
        }
    }

    func logTail(lines: Int = 25) -> String {
        TestSupport.logTail(log, lines: lines)
    }
}
