import TestSupport
import Testing

// `#expect(try await c.cmd("PING") == "+OK pong")` would not show the reply on
// failure (swift-testing does not take apart expressions with `try await`);
// these do, and point at the caller's line.
extension LineClient {
    /// Sends `line` and expects exactly `expected` back.
    func expectReply(_ line: String, _ expected: String, _ comment: Comment? = nil,
                     sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let reply = try await cmd(line)
        #expect(reply == expected, "\(line)\(comment.map { ": \($0)" } ?? "")", sourceLocation: sourceLocation)
    }

    /// Sends `line` and expects a reply starting with `prefix`; returns the reply.
    @discardableResult
    func expectReply(_ line: String, startsWith prefix: String, _ comment: Comment? = nil,
                     sourceLocation: SourceLocation = #_sourceLocation) async throws -> String {
        let reply = try await cmd(line)
        #expect(reply.hasPrefix(prefix), "\(abbreviated(line)) answered \"\(reply)\"\(comment.map { ": \($0)" } ?? "")",
                sourceLocation: sourceLocation)
        return reply
    }

    /// Expects the next reply (to something sent with `sendRaw`) to be exactly `expected`.
    func expectNextReply(_ expected: String, _ comment: Comment? = nil,
                         sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let reply = try await reply()
        #expect(reply == expected, comment, sourceLocation: sourceLocation)
    }
}

extension LineClient {
    /// Expects no push within `wait`.
    func expectNoPush(wait: Duration = .milliseconds(300), _ comment: Comment? = nil,
                      sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let pushes = try await pushesNow(wait: wait)
        #expect(pushes == [], comment, sourceLocation: sourceLocation)
    }

    /// Expects `PULL` to return no data lines. The failure shows the final line: its `count=`
    /// tells a message the daemon pulled from a push that happened to arrive during the PULL.
    func expectEmptyPull(_ comment: Comment? = nil, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let (pulled, final) = try await multi("PULL")
        guard final.hasPrefix("+OK pull_done") else {
            throw failure("PULL ended with \"\(final)\" (data \(pulled)), expected \"+OK pull_done\"")
        }
        #expect(pulled == [], "[\(label)] PULL ended with \"\(final)\"\(comment.map { ": \($0)" } ?? "")",
                sourceLocation: sourceLocation)
    }
}
