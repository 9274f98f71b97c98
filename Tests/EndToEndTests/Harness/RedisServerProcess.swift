import Foundation
import Synchronization

/// A private `redis-server` on a free loopback port, without persistence.
/// `restart()` brings it back on the same port (empty, like a crashed cache).
final class RedisServerProcess: Sendable {
    let port: Int
    let directory: URL
    private let executable: String
    private let current: Mutex<ChildProcess?>

    var log: URL { directory.appendingPathComponent("redis.log") }
    var pid: Int32? { current.withLock { $0?.pid } }

    /// Starts redis-server in `directory` and waits until it answers PING.
    static func start(in directory: URL) async throws -> RedisServerProcess {
        guard let executable = findOnPath("redis-server") else {
            throw E2EFailure(
                "redis-server is not installed: run `make test` (it installs it) or apt-get install redis-server")
        }
        var lastError: (any Error)?
        for _ in 0..<3 {  // the free port may be taken by someone else meanwhile
            let redis = RedisServerProcess(executable: executable, port: try freeLoopbackPort(), directory: directory)
            do {
                try await redis.launch()
                return redis
            } catch {
                lastError = error
                await redis.stop()
            }
        }
        throw lastError!
    }

    private init(executable: String, port: Int, directory: URL) {
        self.executable = executable
        self.port = port
        self.directory = directory
        self.current = Mutex(nil)
    }

    private func launch() async throws {
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
                throw E2EFailure("redis-server on port \(port) \(process.exitDescription)\n\(logTail(log))")
            }
            if let client = try? await LineClient.open(port: port, label: "redis :\(port)") {
                defer { client.close() }
                if (try? await client.cmd("PING", timeout: .seconds(1))) == "+PONG" { return }
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw E2EFailure("redis-server on port \(port) did not answer PING within 10 s\n\(logTail(log))")
    }

    /// SIGTERM (SIGKILL after 10 s) and wait until it is gone.
    func stop() async {
        let process = current.withLock { process -> ChildProcess? in
            defer { process = nil }
            return process
        }
        await process?.stop()
    }

    /// Signals the running redis-server by its pid: SIGSTOP freezes it (connections stay open
    /// and unanswered, like a stalled server), SIGCONT thaws it.
    func send(_ signal: Int32) {
        current.withLock { $0 }?.send(signal)
    }

    /// Stops it and starts it again on the same port.
    func restart() async throws {
        await stop()
        try await launch()
    }
}
