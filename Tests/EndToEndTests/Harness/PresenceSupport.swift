import TestSupport
import Testing

extension LineClient {
    /// `ADDFRIEND uid`, which must answer `+OK friend added`.
    func befriend(_ uid: Int) async throws {
        let reply = try await cmd("ADDFRIEND \(uid)")
        guard reply == "+OK friend added" else {
            throw failure("ADDFRIEND \(uid) answered \"\(reply)\", expected \"+OK friend added\"")
        }
    }

    /// `WHO uids…`: the reply line as it came.
    func who(_ uids: Int...) async throws -> String {
        try await cmd("WHO " + uids.map(String.init).joined(separator: " "))
    }

    /// Expects the next push (within `timeout`) to be exactly `PRESENCE uid=<uid> status=<status>`.
    func expectPresence(_ uid: Int, _ status: String, timeout: Duration = defaultTimeout, _ comment: Comment? = nil,
                        sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let line = try await push(timeout: timeout)
        #expect(line == "PRESENCE uid=\(uid) status=\(status)", "[\(label)]\(comment.map { " \($0)" } ?? "")",
                sourceLocation: sourceLocation)
    }

    /// Expects the next push to be `KICKED reason=<reason>`, then the server to close the connection.
    func expectKicked(_ reason: String, timeout: Duration = defaultTimeout,
                      sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let line = try await push(timeout: timeout)
        #expect(line == "KICKED reason=\(reason)", "[\(label)]", sourceLocation: sourceLocation)
        try await waitClosed()
    }

    /// Sends `PING` every `interval` until the returned task is cancelled, so an idle timeout
    /// does not end this session while the test waits for something else. Send no other command
    /// on this client until the task is cancelled and awaited: replies have one reader.
    func keepAlive(every interval: Duration = .milliseconds(300)) -> Task<Void, Never> {
        Task {
            while !Task.isCancelled {
                _ = try? await cmd("PING")
                try? await Task.sleep(for: interval)
            }
        }
    }
}

/// Polls `WHO uids…` on `client` every 50 ms until it answers `expected` or `limit` has passed;
/// returns the last reply.
@discardableResult
func pollWho(_ client: LineClient, _ uids: [Int], until expected: String, within limit: Duration) async throws -> String {
    let deadline = ContinuousClock.now + limit
    let line = "WHO " + uids.map(String.init).joined(separator: " ")
    while true {
        let reply = try await client.cmd(line)
        if reply == expected || ContinuousClock.now >= deadline { return reply }
        try await Task.sleep(for: .milliseconds(50))
    }
}
