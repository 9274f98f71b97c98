import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// A private PostgreSQL server for tests: a fresh cluster (`initdb`) in a
/// temporary folder, listening on a free loopback port and on a unix socket
/// in that folder, with test-only speed settings (no fsync).
///
/// Run as root, every server program runs as the `postgres` system user
/// (PostgreSQL refuses root), and the folder belongs to it. A watchdog
/// stops the server by its pid and removes the folder when this test
/// process ends, however it ends: its stdin is a pipe only this process
/// holds open, and end of file is its signal.
public final class PostgresServerProcess: Sendable {
    public let port: Int
    public let directory: URL
    private let binaries: String
    private let server: ChildProcess
    private let databaseCounter = Mutex(0)

    public var log: URL { directory.appendingPathComponent("postgres.log") }
    private var dataDirectory: URL { directory.appendingPathComponent("data") }

    private static let sharedServer = Mutex<Task<PostgresServerProcess, any Error>?>(nil)

    /// The one server of this test process, started at the first call.
    public static func shared() async throws -> PostgresServerProcess {
        let task = sharedServer.withLock { task in
            if let task { return task }
            let started = Task { try await start() }
            task = started
            return started
        }
        return try await task.value
    }

    /// A server of its own (for a test that stops it); it is stopped when
    /// this process ends, or by `stop()`.
    public static func start() async throws -> PostgresServerProcess {
        guard let binaries = postgresBinaries() else {
            throw TestFailure(
                "PostgreSQL is not installed: run scripts/ensure-deps.sh (it installs it) or apt-get install postgresql")
        }
        let directory = try makeTemporaryDirectory(prefix: "mpim-postgres")
        try handToServerUser(directory)
        try startWatchdog(for: directory)
        try await run(binaries + "/initdb", ["-D", directory.appendingPathComponent("data").path, "-U", "postgres",
                                             "--auth=trust", "-E", "UTF8", "--no-sync"],
                      asServerUser: true, in: directory)
        var lastError: (any Error)?
        for _ in 0..<3 {  // the free port may be taken by someone else meanwhile
            let port = try freeLoopbackPort()
            let (executable, arguments) = asServerUser(binaries + "/postgres", [
                "-D", directory.appendingPathComponent("data").path, "-p", "\(port)",
                "-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=\(directory.path)",
                "-c", "fsync=off", "-c", "full_page_writes=off", "-c", "max_connections=300",
            ])
            let server = try ChildProcess(
                name: "postgres :\(port)", executable: executable, arguments: arguments,
                directory: directory, log: directory.appendingPathComponent("postgres.log"))
            let process = PostgresServerProcess(port: port, directory: directory, binaries: binaries, server: server)
            do {
                try await process.waitUntilReady()
                return process
            } catch {
                lastError = error
                await server.stop()
            }
        }
        throw lastError!
    }

    private init(port: Int, directory: URL, binaries: String, server: ChildProcess) {
        self.port = port
        self.directory = directory
        self.binaries = binaries
        self.server = server
    }

    /// The URL of a new, empty database on this server.
    public func createDatabase() async throws -> String {
        let number = databaseCounter.withLock { counter -> Int in
            counter += 1
            return counter
        }
        let name = "mpim_test_\(number)"
        try await Self.run(binaries + "/createdb", ["-h", "127.0.0.1", "-p", "\(port)", "-U", "postgres", name],
                           asServerUser: false, in: directory)
        return url(of: name)
    }

    /// The URL of a database on this server (it need not exist).
    public func url(of database: String) -> String {
        "postgres://postgres@127.0.0.1:\(port)/\(database)"
    }

    /// Stops the server (fast shutdown: clients are disconnected) and waits until it is gone.
    public func stop() async {
        guard let pid = serverPid else { return }
        _ = kill(pid, SIGINT)
        let deadline = ContinuousClock.now + .seconds(10)
        while kill(pid, 0) == 0, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(20))
        }
        await server.stop()
    }

    /// The postmaster's pid, from the file it writes (the launched program
    /// may be `runuser`, which stays its parent).
    private var serverPid: pid_t? {
        guard let text = try? String(contentsOf: dataDirectory.appendingPathComponent("postmaster.pid"), encoding: .utf8),
              let first = text.split(separator: "\n").first
        else { return nil }
        return pid_t(first.trimmingCharacters(in: .whitespaces))
    }

    private func waitUntilReady() async throws {
        let deadline = ContinuousClock.now + .seconds(20)
        while ContinuousClock.now < deadline {
            guard server.isRunning else {
                throw TestFailure("postgres on port \(port) \(server.exitDescription)\n\(logTail(log))")
            }
            if (try? await Self.run(binaries + "/pg_isready", ["-q", "-h", "127.0.0.1", "-p", "\(port)"],
                                    asServerUser: false, in: directory)) != nil {
                return
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw TestFailure("postgres on port \(port) did not accept connections within 20 s\n\(logTail(log))")
    }

    // MARK: Processes

    /// Runs a PostgreSQL program to its end; throws with its output if it fails.
    private static func run(_ executable: String, _ arguments: [String], asServerUser: Bool, in directory: URL)
        async throws
    {
        let name = (executable as NSString).lastPathComponent
        let log = directory.appendingPathComponent("\(name).log")
        let (program, programArguments) = asServerUser ? Self.asServerUser(executable, arguments) : (executable, arguments)
        let process = try ChildProcess(
            name: name, executable: program, arguments: programArguments, directory: directory, log: log)
        guard await process.waitForExit(timeout: .seconds(60)) else {
            await process.kill()
            throw TestFailure("\(name) did not finish within 60 s\n\(logTail(log))")
        }
        guard process.exitCode == 0 else {
            throw TestFailure("\(name) \(process.exitDescription)\n\(logTail(log))")
        }
    }

    /// The program and arguments that run `executable` as the `postgres`
    /// user when this process is root (PostgreSQL refuses root): through
    /// `runuser`; otherwise as it is.
    private static func asServerUser(_ executable: String, _ arguments: [String]) -> (String, [String]) {
        getuid() == 0 ? ("/usr/sbin/runuser", ["-u", "postgres", "--", executable] + arguments) : (executable, arguments)
    }

    /// Gives the folder to the `postgres` user when this process is root.
    private static func handToServerUser(_ directory: URL) throws {
        guard getuid() == 0 else { return }
        guard let user = getpwnam("postgres") else {
            throw TestFailure("there is no postgres system user (the postgresql package creates it)")
        }
        guard chown(directory.path, user.pointee.pw_uid, user.pointee.pw_gid) == 0 else {
            throw TestFailure("chown \(directory.path) to postgres failed: errno \(errno)")
        }
    }

    /// The folder of the newest installed PostgreSQL's programs.
    private static func postgresBinaries() -> String? {
        let root = "/usr/lib/postgresql"
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
        return versions.compactMap(Int.init).sorted().reversed().map { "\(root)/\($0)/bin" }
            .first { FileManager.default.isExecutableFile(atPath: $0 + "/postgres") }
            ?? findOnPath("postgres").map { ($0 as NSString).deletingLastPathComponent }
    }

    // MARK: Watchdog

    /// The write ends of the watchdogs' pipes: held open, never written, until this process ends.
    private static let watchdogPipes = Mutex<[Int32]>([])

    /// Starts a watchdog, in a session of its own (so a ^C to the tests does
    /// not stop it first), that waits for end of file on its stdin, then
    /// stops the server by the pid in its data folder and removes the folder.
    private static func startWatchdog(for directory: URL) throws {
        let script = """
            read ignored
            pid=$(head -n 1 "$1/data/postmaster.pid" 2>/dev/null)
            if [ -n "$pid" ]; then
                kill -INT "$pid" 2>/dev/null
                for i in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
                kill -KILL "$pid" 2>/dev/null
            fi
            rm -rf "$1"
            """
        let writeEnd = try TestSupport.startWatchdog(named: "postgres-watchdog", script: script,
                                                     arguments: [directory.path])
        watchdogPipes.withLock { $0.append(writeEnd) }
    }
}
