import Foundation
import Synchronization

/// A private `redis-server` on a free loopback port, without persistence, logging
/// to `<directory>/redis.log`. It is signalled by its pid only.
/// `restart()` brings it back on the same port (empty, like a crashed cache).
public final class RedisServerProcess: Sendable {
    public let port: Int
    public let directory: URL
    private let executable: String
    private let current: Mutex<ChildProcess?>

    public var log: URL { directory.appendingPathComponent("redis.log") }
    /// The pid of the running server, nil while it is stopped.
    public var pid: Int32? { current.withLock { $0?.pid } }

    /// Starts redis-server in `directory` and waits until it answers PING.
    public static func start(in directory: URL) async throws -> RedisServerProcess {
        var lastError: (any Error)?
        for _ in 0..<3 {  // the free port may be taken by someone else meanwhile
            let redis = try unstarted(in: directory)
            do {
                try await redis.start()
                return redis
            } catch {
                lastError = error
                await redis.stop()
            }
        }
        throw lastError!
    }

    /// Finds redis-server and picks a free port, but launches nothing yet: until
    /// `start()`, nothing listens on `port` (a client configured for it sees Redis down).
    public static func unstarted(in directory: URL) throws -> RedisServerProcess {
        guard let executable = findOnPath("redis-server") else {
            throw TestFailure(
                "redis-server is not installed: run `make test` (it installs it) or apt-get install redis-server")
        }
        return RedisServerProcess(executable: executable, port: try freeLoopbackPort(), directory: directory)
    }

    private init(executable: String, port: Int, directory: URL) {
        self.executable = executable
        self.port = port
        self.directory = directory
        self.current = Mutex(nil)
    }

    /// Launches the server on `port` and waits until it answers PING; does nothing if it runs already.
    public func start() async throws {
        guard pid == nil else { return }
        let process = try ChildProcess(
            name: "redis-server :\(port)", executable: executable,
            arguments: ["--port", "\(port)", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                        "--dir", directory.path],
            directory: directory, log: log)
        current.withLock { $0 = process }
        try await waitUntilAnswering(process)
    }

    private func waitUntilAnswering(_ process: ChildProcess) async throws {
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            guard process.isRunning else {
                throw TestFailure("redis-server on port \(port) \(process.exitDescription)\n\(logTail(log))")
            }
            if let client = try? await LineClient.open(port: port, label: "redis :\(port)") {
                defer { client.close() }
                if (try? await client.cmd("PING", timeout: .seconds(1))) == "+PONG" { return }
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw TestFailure("redis-server on port \(port) did not answer PING within 10 s\n\(logTail(log))")
    }

    /// SIGTERM (SIGKILL after 10 s) and wait until it is gone.
    public func stop() async {
        let process = current.withLock { process -> ChildProcess? in
            defer { process = nil }
            return process
        }
        await process?.stop()
    }

    /// Signals the running redis-server by its pid: SIGSTOP freezes it (connections stay open
    /// and unanswered, like a stalled server), SIGCONT thaws it.
    public func send(_ signal: Int32) {
        current.withLock { $0 }?.send(signal)
    }

    /// Stops it and starts it again on the same port.
    public func restart() async throws {
        await stop()
        try await start()
    }

    /// Sends one command in Redis's inline protocol on a fresh connection and returns the
    /// first reply line (`+OK`, `:1`, `$5`, …), for a test that looks at or plants keys.
    public func inlineCommand(_ line: String) async throws -> String {
        let client = try await LineClient.open(port: port, label: "redis :\(port)")
        defer { client.close() }
        return try await client.cmd(line)
    }
}

/// Runs `body` with a redis-server started in a fresh temporary folder, and always stops
/// it (by pid) and removes the folder afterwards (unless `keepTemporaryFiles`).
public func withRedisServer<Result>(_ body: (RedisServerProcess) async throws -> Result) async throws -> Result {
    let directory = try makeTemporaryDirectory(prefix: "mpim-redis")
    let server: RedisServerProcess
    do {
        server = try await RedisServerProcess.start(in: directory)
    } catch {
        try? FileManager.default.removeItem(at: directory)
        throw error
    }
    return try await withCleanup { try await body(server) } cleanup: {
        await server.stop()
        if !keepTemporaryFiles {
            try? FileManager.default.removeItem(at: directory)
        }
    }
}
