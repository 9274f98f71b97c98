/// How a script run (stdin not a terminal) went, for its exit status and the
/// line it ends with on stderr: every command that failed (a `-ERR`, a line
/// the client refused, no connection), and whether the server was ever
/// reached. Pure.
struct ScriptOutcome: Equatable {
    struct Failure: Equatable {
        /// The input line number (1-based).
        var line: Int
        /// The command as typed, its password masked.
        var command: String
        var reason: String
    }

    private(set) var commands = 0
    private(set) var failures: [Failure] = []
    /// The session was signed out by another login, or the server ended it.
    private(set) var endedBy: String?
    private(set) var connected = false
    /// Why the last connection attempt failed, while none succeeded.
    private(set) var connectFailure: String?
    private(set) var gaveUp = false

    /// Input line `number` was run as a command (blank lines are not).
    mutating func ran(_ line: String, number: Int, failure reason: String?) {
        commands += 1
        if let reason {
            failures.append(Failure(line: number, command: PasswordMask.masked(line) ?? line, reason: reason))
        }
    }

    mutating func connectedOnce() {
        connected = true
        connectFailure = nil
    }

    mutating func connectFailed(_ reason: String) {
        if !connected { connectFailure = reason }
    }

    mutating func gaveUpConnecting() {
        gaveUp = true
    }

    mutating func signedOut(_ why: String) {
        endedBy = why
    }

    /// 0 when every command succeeded on a connection that came up, else 1.
    var exitStatus: Int32 { summary(server: "") == nil ? 0 : 1 }

    /// The line for stderr when the run failed; nil when it did not.
    func summary(server: String) -> String? {
        if !connected {
            return "mpim: could not connect to \(server)" + (connectFailure.map { ": \($0)" } ?? "")
                + (commands > 0 ? "; \(count(commands, "command")) not run" : "")
        }
        var parts: [String] = []
        if let first = failures.first {
            parts.append("\(failures.count) of \(count(commands, "command")) failed; the first, line \(first.line) "
                         + "(\(first.command)): \(first.reason)")
        }
        if let endedBy { parts.append(endedBy) }
        if gaveUp { parts.append("gave up reconnecting to \(server)") }
        return parts.isEmpty ? nil : "mpim: " + parts.joined(separator: "; ")
    }

    private func count(_ n: Int, _ noun: String) -> String {
        "\(n) \(noun)\(n == 1 ? "" : "s")"
    }
}
