import TestSupport
import Testing

// `mpim` as a script runs it (`printf ... | mpim`): its exit status and what
// it says on stderr, kept apart from stdout.
@Suite("mpim's exit status in a script", .serialized, .timeLimit(.minutes(2)))
struct ScriptExitTests {
    @Test("every command worked: status 0 and nothing on stderr")
    func success() async throws {
        try await ChatServer.with { server in
            let script = try server.client("script", errorsApart: true)
            let name = uniqueName("alice")
            try script.send("/register \(name) pw")
            try script.send("/pull")
            script.closeInput()
            #expect(await script.waitForExit() == 0)
            #expect(script.lines.contains { $0.contains("registered and logged in as \(name)") })
            #expect(script.lines.contains("pulled 0 messages"))
            #expect(script.errorLines == [])
        }
    }

    @Test("a wrong password: status 1, each error and a summary on stderr, the password masked")
    func failedCommand() async throws {
        try await ChatServer.with { server in
            let (_, name, _) = try await server.registeredClient("alice")
            let script = try server.client("script", errorsApart: true)
            try script.send("/login \(name) wrongpw script")
            try script.send("/pull")
            script.closeInput()
            #expect(await script.waitForExit() == 1)
            #expect(script.errorLines == [
                "error: auth failed",
                "error: not logged in: /login <username> or /register <username> first",
                "mpim: 2 of 2 commands failed; the first, line 1 (/login \(name) ******** script): auth failed",
            ])
            #expect(!script.lines.contains { $0.contains("wrongpw") })
        }
    }

    @Test("a refused line counts as a failure too")
    func refusedLine() async throws {
        try await ChatServer.with { server in
            let script = try server.client("script", errorsApart: true)
            try script.send("/register \(uniqueName("carol")) pw")
            try script.send("/create my group with spaces")
            script.closeInput()
            #expect(await script.waitForExit() == 1)
            #expect(script.errorLines.last?.hasPrefix("mpim: 1 of 2 commands failed; the first, line 2 (/create my group with spaces): a group name is one word") == true)
        }
    }

    @Test("nothing listening and no input: status 1 and why, not a silent 0")
    func noServer() async throws {
        let port = try freeLoopbackPort()  // nothing listens there
        let script = try ClientProcess(label: "nobody", port: port, errorsApart: true)
        try await withCleanup {
            script.closeInput()  // as with </dev/null
            #expect(await script.waitForExit() == 1)
            #expect(script.errorLines == ["mpim: could not connect to 127.0.0.1:\(port): Connection refused"])
        } cleanup: {
            await script.stop()
        }
    }
}
