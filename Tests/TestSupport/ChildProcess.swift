import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// One launched program whose stdout and stderr go to a log file. It is
/// signalled by its own pid only, and every wait is async and bounded.
///
/// Spawned with `posix_spawn` and a cleared signal mask rather than
/// `Foundation.Process`: a process spawned from a Swift concurrency thread
/// inherits that thread's mask, with SIGTERM blocked
/// (swift-corelibs-foundation issue #4772), and then ignores `stop()`.
public final class ChildProcess: Sendable {
    public let name: String
    public let log: URL
    public let pid: pid_t
    private let exitStatus = Mutex<Int32?>(nil)
    /// The write end of the watchdog's pipe, open while the process runs.
    private let watchdog: Mutex<Int32?>

    /// Starts `executable` in `directory`, appending its output to `log`.
    public init(name: String, executable: String, arguments: [String], directory: URL, log: URL) throws {
        self.name = name
        self.log = log

        pid = try spawnWithCleanSignals(executable: executable, arguments: arguments, directory: directory.path) {
            posix_spawn_file_actions_addopen(&$0, 0, "/dev/null", O_RDONLY, 0)
            posix_spawn_file_actions_addopen(&$0, 1, log.path, O_WRONLY | O_CREAT | O_APPEND, 0o644)
            posix_spawn_file_actions_adddup2(&$0, 1, 2)
        }
        watchdog = Mutex(try? Self.startWatchdog(for: pid))
    }

    deinit {
        watchdog.withLock { $0 }.map { _ = close($0) }
    }

    /// Reaps the process if it has exited; never blocks.
    public var isRunning: Bool {
        let running = exitStatus.withLock { status in
            guard status == nil else { return false }
            var raw: Int32 = 0
            if waitpid(pid, &raw, WNOHANG) == pid {
                status = raw
                return false
            }
            return true
        }
        if !running {
            // Reaped: the watchdog wakes, finds another process (or none) under the pid, and ends.
            closeWatchdogPipe()
        }
        return running
    }

    /// Closes the watchdog's pipe, as the end of this process would: for the
    /// harness's own test that a child outlives no crash of the tests.
    public func closeWatchdogPipe() {
        watchdog.withLock { end in
            end.map { _ = close($0) }
            end = nil
        }
    }

    /// Starts a watchdog, in a session of its own, that waits for end of
    /// file on a pipe whose write end only this process holds: when the
    /// tests end without stopping the child (a crash), it kills the child,
    /// if the pid is still that child's (same start time), never a pid
    /// reused since. Returns the write end.
    private static func startWatchdog(for pid: pid_t) throws -> Int32 {
        guard let start = startTime(of: pid) else { throw TestFailure("no /proc entry for pid \(pid)") }
        let script = """
            read ignored
            start=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d ' ' -f 20)
            [ "$start" = "$2" ] && kill -KILL "$1"
            """
        return try TestSupport.startWatchdog(named: "child-watchdog", script: script, arguments: ["\(pid)", start])
    }

    /// Field 22 of /proc/<pid>/stat: when the process started, in clock ticks since boot.
    private static func startTime(of pid: pid_t) -> String? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let end = stat.range(of: ") ", options: .backwards)
        else { return nil }
        let fields = stat[end.upperBound...].split(separator: " ")
        return fields.count > 19 ? String(fields[19]) : nil
    }

    /// Sends `signal` unless the process has been reaped (its pid may belong to another by then).
    public func send(_ signal: Int32) {
        exitStatus.withLock { status in
            if status == nil { deliver(signal, to: pid) }
        }
    }

    /// Waits until the process has exited; false if it still runs after `timeout`.
    public func waitForExit(timeout: Duration) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while isRunning {
            if ContinuousClock.now >= deadline { return false }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return true
    }

    /// SIGTERM, up to `grace` for it to exit, then SIGKILL.
    public func stop(grace: Duration = .seconds(10)) async {
        send(SIGTERM)
        if await waitForExit(timeout: grace) { return }
        await kill()
    }

    /// SIGKILL, and wait until it is gone.
    public func kill() async {
        send(SIGKILL)
        _ = await waitForExit(timeout: .seconds(10))
    }

    /// The exit status, once it has exited normally; nil while it runs or after a signal.
    public var exitCode: Int32? {
        guard !isRunning, let raw = exitStatus.withLock({ $0 }), raw & 0x7f == 0 else { return nil }
        return (raw >> 8) & 0xff
    }

    public var exitDescription: String {
        guard !isRunning, let raw = exitStatus.withLock({ $0 }) else { return "is still running" }
        let signal = raw & 0x7f
        return signal == 0 ? "exited with status \((raw >> 8) & 0xff)" : "was killed by signal \(signal)"
    }
}

/// Starts `script` under `/bin/sh`, with `arguments` as `$1`…, in a session
/// of its own (so a ^C to the tests does not stop it first), its stdin the
/// read end of a pipe: its `read` returns once the write end, which this
/// returns, is closed, or this process ends. The write end is kept from
/// children started later, or the watchdog would wait for them too
/// (`spawnWithCleanSignals` closes it in its children; this covers any other
/// way of starting one).
public func startWatchdog(named name: String, script: String, arguments: [String]) throws -> Int32 {
    var ends: [Int32] = [0, 0]
    guard pipe(&ends) == 0 else { throw TestFailure("pipe() failed: errno \(errno)") }
    let readEnd = ends[0]
    defer { close(readEnd) }
    _ = try spawnWithCleanSignals(
        executable: "/usr/bin/setsid", arguments: ["/bin/sh", "-c", script, name] + arguments
    ) {
        posix_spawn_file_actions_adddup2(&$0, readEnd, 0)
        posix_spawn_file_actions_addopen(&$0, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&$0, 2, "/dev/null", O_WRONLY, 0)
    }
    _ = fcntl(ends[1], F_SETFD, FD_CLOEXEC)
    return ends[1]
}

/// `posix_spawn`s `executable` with an empty signal mask and default signal
/// dispositions (a child of a Swift concurrency thread would otherwise inherit
/// a blocked SIGTERM), inheriting no file descriptor above 2. `descriptors`
/// sets up 0, 1 and 2; `directory` is the child's working directory.
public func spawnWithCleanSignals(
    executable: String, arguments: [String], directory: String? = nil,
    descriptors: (inout posix_spawn_file_actions_t) -> Void
) throws -> pid_t {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    descriptors(&actions)
    guard let addChdir = glibcAddChdir, let addClosefrom = glibcAddClosefrom else {
        throw TestFailure("this C library lacks posix_spawn_file_actions_addchdir_np/addclosefrom_np (glibc >= 2.34)")
    }
    _ = addClosefrom(&actions, 3)
    if let directory { _ = addChdir(&actions, directory) }

    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    var noSignals = sigset_t()
    sigemptyset(&noSignals)
    posix_spawnattr_setsigmask(&attributes, &noSignals)
    var defaults = sigset_t()
    sigfillset(&defaults)
    sigdelset(&defaults, SIGKILL)
    sigdelset(&defaults, SIGSTOP)
    posix_spawnattr_setsigdefault(&attributes, &defaults)
    posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

    let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
    defer { argv.forEach { free($0) } }
    var pid: pid_t = 0
    let result = posix_spawn(&pid, executable, &actions, &attributes, argv, environ)
    guard result == 0 else {
        throw TestFailure("could not start \(executable): \(String(cString: strerror(result)))")
    }
    return pid
}

private func deliver(_ signal: Int32, to pid: pid_t) {
    _ = kill(pid, signal)
}

// glibc's GNU extensions, which the Glibc module does not import (no _GNU_SOURCE).
private typealias FileActionsChdir = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>,
                                                      UnsafePointer<CChar>) -> Int32
private typealias FileActionsClosefrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>,
                                                          Int32) -> Int32

private let glibcAddChdir: FileActionsChdir? = dlsym(UnsafeMutableRawPointer(bitPattern: 0),
                                                     "posix_spawn_file_actions_addchdir_np")
    .map { unsafeBitCast($0, to: FileActionsChdir.self) }

private let glibcAddClosefrom: FileActionsClosefrom? = dlsym(UnsafeMutableRawPointer(bitPattern: 0),
                                                             "posix_spawn_file_actions_addclosefrom_np")
    .map { unsafeBitCast($0, to: FileActionsClosefrom.self) }
