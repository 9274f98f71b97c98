import Foundation
import Glibc
import Testing

/// A throwaway `redis-server` on a free loopback port, stopped by its pid (never by name).
final class RedisServerProcess {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    let port: Int
    private let executable: URL
    private let directory: URL
    private var process: Process?

    /// Finds `redis-server` and picks a port; call ``start()`` next.
    init() throws {
        executable = try Self.findExecutable("redis-server")
        port = try Self.freeLoopbackPort()
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("mpim-redis-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(at: directory)
    }

    /// Starts the server and returns once it accepts connections.
    func start() async throws {
        let process = Process()
        process.executableURL = executable
        process.arguments = [
            "--port", "\(port)", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
            "--dir", directory.path,
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try Self.runWithEmptySignalMask(process)
        self.process = process
        do {
            try await waitUntilAccepting()
        } catch {
            await stop()
            throw error
        }
    }

    /// Stops the server with SIGTERM (SIGKILL after 5 s) and waits for it to exit.
    func stop() async {
        guard let process else { return }
        self.process = nil
        kill(process.processIdentifier, SIGTERM)
        let deadline = ContinuousClock.now + .seconds(5)
        while process.isRunning {
            if ContinuousClock.now > deadline { kill(process.processIdentifier, SIGKILL) }
            try? await Task.sleep(for: .milliseconds(10))
        }
    }

    /// Stops and starts the server again on the same port (with an empty data set).
    func restart() async throws {
        await stop()
        try await start()
    }

    /// `Process` hands the calling thread's signal mask down to the child, and Swift concurrency's
    /// threads block SIGTERM: a server spawned as-is would ignore `stop()`. So unblock around the spawn.
    private static func runWithEmptySignalMask(_ process: Process) throws {
        var empty = sigset_t()
        var previous = sigset_t()
        sigemptyset(&empty)
        pthread_sigmask(SIG_SETMASK, &empty, &previous)
        defer { pthread_sigmask(SIG_SETMASK, &previous, nil) }
        try process.run()
    }

    private func waitUntilAccepting() async throws {
        let deadline = ContinuousClock.now + .seconds(5)
        while !Self.acceptsConnections(port: port) {
            guard let process, process.isRunning else {
                throw Failure(description: "redis-server exited before accepting connections on port \(port)")
            }
            guard ContinuousClock.now < deadline else {
                throw Failure(description: "redis-server did not accept connections on port \(port) within 5 s")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    private static func findExecutable(_ name: String) throws -> URL {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for directory in path.split(separator: ":") {
            let candidate = URL(fileURLWithPath: String(directory)).appendingPathComponent(name)
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        throw Failure(description: "redis-server is not installed: run `make test` or apt-get install redis-server")
    }

    /// Binds port 0 on loopback, reads the port the kernel chose, and closes the socket.
    private static func freeLoopbackPort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket() failed: errno \(errno)") }
        defer { close(fd) }
        var address = loopback(port: 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                bind(fd, socketAddress, length) == 0 && getsockname(fd, socketAddress, &length) == 0
            }
        }
        guard bound else { throw Failure(description: "cannot bind a loopback port: errno \(errno)") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    private static func acceptsConnections(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = loopback(port: port)
        return withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                connect(fd, socketAddress, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }

    private static func loopback(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        return address
    }
}

/// Runs `body` with a started server and always stops it afterwards.
func withRedisServer<Result>(_ body: (RedisServerProcess) async throws -> Result) async throws -> Result {
    let server = try RedisServerProcess()
    try await server.start()
    return try await withCleanup { try await body(server) } cleanup: { await server.stop() }
}

/// `body`, then `cleanup` whether or not it threw (`defer` cannot `await`).
func withCleanup<Result>(
    _ body: () async throws -> Result, cleanup: () async -> Void
) async throws -> Result {
    let result: Result
    do {
        result = try await body()
    } catch {
        await cleanup()
        throw error
    }
    await cleanup()
    return result
}
