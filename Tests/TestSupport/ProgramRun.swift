import Foundation

/// A program run to its end: how it exited and everything it printed
/// (stdout and stderr together, in order).
public struct ProgramRun: Sendable {
    public var exitCode: Int32?
    public var exitDescription: String
    public var output: String

    /// The printed lines, without empty ones.
    public var lines: [String] { output.split(separator: "\n").map(String.init) }

    /// Runs `executable` in `directory` and waits for it to exit, at most
    /// `timeout` (then it is killed and this throws).
    public static func run(_ executable: String, _ arguments: [String], in directory: URL,
                           timeout: Duration = .seconds(30)) async throws -> ProgramRun {
        let log = directory.appendingPathComponent("run-\(UUID().uuidString).out")
        defer { try? FileManager.default.removeItem(at: log) }
        let name = URL(fileURLWithPath: executable).lastPathComponent
        let process = try ChildProcess(name: name, executable: executable, arguments: arguments, directory: directory,
                                       log: log)
        guard await process.waitForExit(timeout: timeout) else {
            await process.kill()
            throw TestFailure("\(name) \(arguments.joined(separator: " ")) still ran after \(timeout)\n"
                              + logTail(log))
        }
        let output = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        return ProgramRun(exitCode: process.exitCode, exitDescription: process.exitDescription, output: output)
    }
}
