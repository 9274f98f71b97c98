import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Synchronization
import TestSupport

/// A private redis-server and one `mpimd` for the client to talk to, in a
/// temporary folder. The daemon keeps one gateway port across `restart()`, so
/// a client can find it again.
final class ChatServer: Sendable {
    let directory: URL
    let redis: RedisServerProcess
    /// The gateway port (fixed for this server's life).
    let port: Int
    private let daemon = Mutex<ChildProcess?>(nil)
    private let clients = Mutex<[ClientProcess]>([])

    private var log: URL { directory.appendingPathComponent("mpimd.log") }

    private init(directory: URL, redis: RedisServerProcess, port: Int) {
        self.directory = directory
        self.redis = redis
        self.port = port
    }

    /// Starts `mpimd --port <port>` and waits for its `gateway listening on 127.0.0.1:<port>` line.
    func start() async throws {
        let configFile = directory.appendingPathComponent("mpimd.conf")
        try "[users]\nbcrypt_cost = 4\n".write(to: configFile, atomically: false, encoding: .utf8)
        let logStart = (try? FileManager.default.attributesOfItem(atPath: log.path)[.size] as? Int) ?? 0
        let process = try ChildProcess(
            name: "mpimd :\(port)", executable: try siblingBinary("mpimd", override: "MPIMD"),
            arguments: ["--config", configFile.path, "--host", "127.0.0.1", "--port", "\(port)",
                        "--db", directory.appendingPathComponent("mpim.db").path, "--http-port", "0",
                        "--redis-host", "127.0.0.1", "--redis-port", "\(redis.port)", "--gateway-id", "gw-test"],
            directory: directory, log: log)
        daemon.withLock { $0 = process }
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            if listening(since: logStart) { return }
            guard process.isRunning else {
                throw TestFailure("mpimd \(process.exitDescription) before listening\n\(TestSupport.logTail(log))")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw TestFailure("mpimd logged no `listening on 127.0.0.1:\(port)` within 30 s\n\(TestSupport.logTail(log))")
    }

    /// SIGTERM (SIGKILL after 10 s), by pid.
    func stop() async {
        let process = daemon.withLock { process -> ChildProcess? in
            defer { process = nil }
            return process
        }
        await process?.stop()
    }

    /// Stops the daemon and starts it again on the same port, database and Redis.
    func restart() async throws {
        await stop()
        try await start()
    }

    /// A gateway line (not the HTTP one) saying it listens on our port.
    private func listening(since offset: Int) -> Bool {
        guard let data = FileManager.default.contents(atPath: log.path), data.count > offset else { return false }
        return String(decoding: data[offset...], as: UTF8.self).split(separator: "\n").contains { line in
            guard let at = line.range(of: "listening") else { return false }
            return !line[..<at.lowerBound].lowercased().contains("http")
                && line[at.upperBound...].contains("127.0.0.1:\(port)")
        }
    }

    func logTail() -> String {
        TestSupport.logTail(log)
    }

    /// Runs `body` with a started server (in the private redis-server's temporary
    /// folder) and stops every process it started, by pid, afterwards.
    static func with<Result>(_ body: (ChatServer) async throws -> Result) async throws -> Result {
        try await withRedisServer { redis in
            let server = ChatServer(directory: redis.directory, redis: redis, port: try freeLoopbackPort())
            return try await withCleanup {
                try await server.start()
                return try await body(server)
            } cleanup: {
                for client in server.clients.withLock({ $0 }) { await client.stop() }
                await server.stop()
            }
        }
    }

    /// A started `mpim` for this server, stopped (by pid) when the server is.
    func client(_ label: String, extraArguments: [String] = [], errorsApart: Bool = false) throws -> ClientProcess {
        let client = try ClientProcess(label: label, port: port, extraArguments: extraArguments, errorsApart: errorsApart)
        clients.withLock { $0.append(client) }
        return client
    }

    /// A started `mpim` that has connected and registered a new user (`<prefix><pid>_<n>`).
    func registeredClient(_ prefix: String) async throws -> (client: ClientProcess, name: String, uid: Int) {
        let client = try self.client(prefix)
        try await client.expect("* connected to 127.0.0.1:\(port)")
        let name = uniqueName(prefix)
        try client.send("/register \(name) pw-\(name)")
        return (client, name, try await client.expectLogin(name, "registered and logged in as"))
    }
}

extension ClientProcess {
    /// Waits for `<what> <name> (<uid>)` and returns the uid.
    func expectLogin(_ name: String, _ what: String = "logged in as") async throws -> Int {
        let line = try await expect("\(what) \(name) (")
        guard let uid = line.split(separator: "(").last.flatMap({ Int($0.prefix { $0.isNumber }) }) else {
            throw failure("no uid in \"\(line)\"")
        }
        return uid
    }
}
