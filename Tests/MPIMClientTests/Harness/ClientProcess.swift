import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Synchronization
import TestSupport

/// One `mpim` process driven through pipes, as a script would: commands go to
/// its stdin, its stdout (and stderr, unless kept apart) is collected line by
/// line. Signalled by its own pid only.
///
/// Spawned with `posix_spawn`, a cleared signal mask and default dispositions:
/// a child of a Swift concurrency thread would otherwise inherit a blocked
/// SIGTERM (see TestSupport's `ChildProcess`).
final class ClientProcess: Sendable {
    let label: String
    let pid: pid_t
    private let input: Mutex<Int32>
    private let output = OutputLog()
    /// Its stderr, when kept apart from stdout.
    private let errorOutput = OutputLog()
    private let exitStatus = Mutex<Int32?>(nil)

    /// Starts `mpim --port <port> --no-color <extra>`; with `errorsApart` its
    /// stderr is collected apart (`errorLines`), else mixed into stdout.
    init(label: String, port: Int, extraArguments: [String] = [], errorsApart: Bool = false) throws {
        self.label = label
        let executable = try siblingBinary("mpim", override: "MPIM")
        let arguments = ["--host", "127.0.0.1", "--port", "\(port)", "--no-color"] + extraArguments

        var stdinPipe: [Int32] = [-1, -1]
        var stdoutPipe: [Int32] = [-1, -1]
        var stderrPipe: [Int32] = [-1, -1]
        guard pipe(&stdinPipe) == 0, pipe(&stdoutPipe) == 0, !errorsApart || pipe(&stderrPipe) == 0 else {
            throw TestFailure("pipe() failed: errno \(errno)")
        }
        let stderrWriting = errorsApart ? stderrPipe[1] : stdoutPipe[1]

        // Nothing but 0–2 leaks in: another client's pipe end would keep its stdin from ending.
        defer {
            close(stdinPipe[0])
            close(stdoutPipe[1])
            if errorsApart { close(stderrPipe[1]) }
        }
        let pid: pid_t
        do {
            pid = try spawnWithCleanSignals(executable: executable, arguments: arguments) {
                posix_spawn_file_actions_adddup2(&$0, stdinPipe[0], 0)
                posix_spawn_file_actions_adddup2(&$0, stdoutPipe[1], 1)
                posix_spawn_file_actions_adddup2(&$0, stderrWriting, 2)
            }
        } catch {
            close(stdinPipe[1])
            close(stdoutPipe[0])
            if errorsApart { close(stderrPipe[0]) }
            throw error
        }
        self.pid = pid
        self.input = Mutex(stdinPipe[1])

        let reading = stdoutPipe[0]
        let output = self.output
        Thread {
            collectLines(from: reading, into: output)
        }.start()
        if errorsApart {
            let errorReading = stderrPipe[0]
            let errorOutput = self.errorOutput
            Thread {
                collectLines(from: errorReading, into: errorOutput)
            }.start()
        }
    }

    /// Writes one command line to its stdin.
    func send(_ line: String) throws {
        let bytes = Array((line + "\n").utf8)
        try input.withLock { fd in
            guard fd >= 0 else { throw TestFailure("[\(label)] stdin is closed") }
            var offset = 0
            while offset < bytes.count {
                let written = bytes[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
                guard written > 0 else { throw TestFailure("[\(label)] writing to stdin failed: errno \(errno)") }
                offset += written
            }
        }
    }

    /// Ends its stdin (end of input: the client quits).
    func closeInput() {
        input.withLock { fd in
            if fd >= 0 { close(fd) }
            fd = -1
        }
    }

    /// The next output line, after the last one matched, that contains `text`;
    /// the lines before it are passed over.
    @discardableResult
    func expect(_ text: String, timeout: Duration = .seconds(10)) async throws -> String {
        try await expect(timeout: timeout, "a line containing \"\(text)\"") { $0.contains(text) }
    }

    /// The next output line, after the last one matched, for which `matches` holds.
    func expect(timeout: Duration = .seconds(10), _ what: String,
                _ matches: @Sendable (String) -> Bool) async throws -> String {
        let deadline = ContinuousClock.now + timeout
        while true {
            let found = output.state.withLock { output -> (line: String?, closed: Bool) in
                guard let index = output.lines[output.cursor...].firstIndex(where: matches) else {
                    return (nil, output.closed)
                }
                output.cursor = index + 1
                return (output.lines[index], false)
            }
            if let line = found.line { return line }
            if found.closed { throw failure("output ended without \(what)") }
            guard ContinuousClock.now < deadline else { throw failure("no \(what) within \(timeout)") }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    /// Every line printed so far.
    var lines: [String] { output.state.withLock { $0.lines } }

    /// Every line printed on stderr so far, when kept apart.
    var errorLines: [String] { errorOutput.state.withLock { $0.lines } }

    /// Waits for the process to exit; its exit code, or nil if it still runs after `timeout`
    /// (128 + n when killed by signal n).
    func waitForExit(timeout: Duration = .seconds(10)) async -> Int32? {
        let deadline = ContinuousClock.now + timeout
        while true {
            if let status = reap() { return status }
            if ContinuousClock.now >= deadline { return nil }
            try? await Task.sleep(for: .milliseconds(20))
        }
    }

    /// SIGTERM, then SIGKILL if it does not go; closes its stdin.
    func stop() async {
        closeInput()
        guard reap() == nil else { return }
        signal(SIGTERM)
        if await waitForExit(timeout: .seconds(5)) != nil { return }
        signal(SIGKILL)
        _ = await waitForExit(timeout: .seconds(5))
    }

    private func signal(_ number: Int32) {
        exitStatus.withLock { status in
            if status == nil { _ = kill(pid, number) }  // never a reaped pid: it may be someone else's by now
        }
    }

    private func reap() -> Int32? {
        exitStatus.withLock { status in
            if status == nil {
                var raw: Int32 = 0
                if waitpid(pid, &raw, WNOHANG) == pid {
                    status = (raw & 0x7f) == 0 ? (raw >> 8) & 0xff : 128 + (raw & 0x7f)
                }
            }
            return status
        }
    }

    func failure(_ what: String) -> TestFailure {
        let tail = lines.suffix(30).map { "  | \($0)" }.joined(separator: "\n")
        return TestFailure("[\(label)] \(what); its output:\n\(tail)")
    }
}

/// What the client printed, and how far `expect` has read.
private final class OutputLog: Sendable {
    struct State {
        var lines: [String] = []
        /// Lines before this index were matched (or passed over) by `expect`.
        var cursor = 0
        var closed = false
    }

    let state = Mutex(State())
}

/// Reads the pipe to its end, appending each line (`\r` dropped).
private func collectLines(from fd: Int32, into output: OutputLog) {
    var pending: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 4096)
    while true {
        let count = read(fd, &buffer, buffer.count)
        if count < 0 && errno == EINTR { continue }
        guard count > 0 else { break }
        pending += buffer[..<count]
        var lines: [String] = []
        while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
            var line = pending[..<newline]
            if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
            lines.append(String(decoding: line, as: UTF8.self))
            pending.removeSubrange(...newline)
        }
        output.state.withLock { $0.lines += lines }
    }
    close(fd)
    output.state.withLock { output in
        if !pending.isEmpty { output.lines.append(String(decoding: pending, as: UTF8.self)) }
        output.closed = true
    }
}

/// `$<override>`, or the binary `name` beside the running test bundle (SwiftPM
/// builds it first: the test target depends on it).
func siblingBinary(_ name: String, override: String) throws -> String {
    if let path = ProcessInfo.processInfo.environment[override], !path.isEmpty { return path }
    let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
        ?? CommandLine.arguments[0]
    let path = URL(fileURLWithPath: executable).deletingLastPathComponent().appendingPathComponent(name).path
    guard FileManager.default.isExecutableFile(atPath: path) else {
        throw TestFailure("no \(name) at \(path): build it (`swift build`) or set \(override)=<path>")
    }
    return path
}


