import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// A failure the test support reports instead of hanging or crashing: a timeout, a
/// closed connection, a process that would not start. Thrown out of a test, it
/// fails that test with this text.
public struct TestFailure: Error, CustomStringConvertible {
    public var description: String

    public init(_ description: String) {
        self.description = description
    }
}

/// The default wait for a reply, a push, a close.
public let defaultTimeout: Duration = .seconds(5)

private let nameCounter = Mutex(0)

/// A username no other test of this run uses: `<prefix><pid>_<n>`, at most 32 characters.
public func uniqueName(_ prefix: String = "u") -> String {
    let n = nameCounter.withLock { counter -> Int in
        counter += 1
        return counter
    }
    return "\(prefix)\(getpid() % 100_000)_\(n)"
}

/// A loopback TCP port that was free a moment ago: bind port 0, read it, close.
public func freeLoopbackPort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw TestFailure("socket() failed: errno \(errno)") }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = 0
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { generic in
            bind(fd, generic, length) == 0 && getsockname(fd, generic, &length) == 0
        }
    }
    guard bound else { throw TestFailure("binding 127.0.0.1:0 failed: errno \(errno)") }
    return Int(UInt16(bigEndian: address.sin_port))
}

/// The first executable called `name` on `$PATH`.
public func findOnPath(_ name: String) -> String? {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
    return path.split(separator: ":")
        .map { "\($0)/\(name)" }
        .first { FileManager.default.isExecutableFile(atPath: $0) }
}

/// A fresh folder under the system temporary directory.
public func makeTemporaryDirectory(prefix: String) throws -> URL {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("\(prefix)-\(getpid())-\(UUID().uuidString.prefix(8))", isDirectory: true)
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// Whether the tests keep their temporary folders (`MPIM_E2E_KEEP=1`), to read the logs.
public var keepTemporaryFiles: Bool {
    ProcessInfo.processInfo.environment["MPIM_E2E_KEEP"] != nil
}

/// The last `lines` lines of a log file, for failure messages.
public func logTail(_ url: URL, lines: Int = 25) -> String {
    guard let data = FileManager.default.contents(atPath: url.path), !data.isEmpty else {
        return "(\(url.lastPathComponent) is empty)"
    }
    let text = String(decoding: data, as: UTF8.self)
    let tail = text.split(separator: "\n", omittingEmptySubsequences: false).suffix(lines)
    return "--- last lines of \(url.path) ---\n" + tail.joined(separator: "\n")
}

/// Polls `condition` every 10 ms until it holds; throws a `TestFailure` naming `what` after `timeout`.
public func eventually(_ what: String, timeout: Duration = .seconds(5), _ condition: () async -> Bool) async throws {
    let deadline = ContinuousClock.now + timeout
    while await !condition() {
        guard ContinuousClock.now < deadline else { throw TestFailure("timed out waiting until \(what)") }
        try await Task.sleep(for: .milliseconds(10))
    }
}

/// `body`, then `cleanup` whether or not it threw (`defer` cannot `await`).
public func withCleanup<Result>(_ body: () async throws -> Result, cleanup: () async -> Void) async throws -> Result {
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
