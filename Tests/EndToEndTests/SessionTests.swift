import Testing

@Suite("Protocol and session")
struct SessionTests {
    @Test("a new connection is greeted with +OK welcome")
    func greeting() async throws {
        try await withCluster { cluster in
            let c = try await cluster.client()
            #expect(c.greeting.hasPrefix("+OK welcome"))
            #expect(try await c.cmd("PING") == "+OK pong")
        }
    }

    @Test("an unknown command word answers -ERR unknown cmd")
    func unknownCommand() async throws {
        try await withCluster { cluster in
            let c = try await cluster.client()
            #expect(try await c.cmd("FOO bar") == "-ERR unknown cmd")
            #expect(try await c.cmd("SENDX 1 hi") == "-ERR unknown cmd")
            #expect(try await c.cmd("PING") == "+OK pong", "the session goes on")
        }
    }

    @Test("commands that need a session answer -ERR not login before LOGIN")
    func notLoggedIn() async throws {
        try await withCluster { cluster in
            let c = try await cluster.client()
            #expect(try await c.cmd("SEND 1 hi") == "-ERR not login")
            #expect(try await c.cmd("PULL") == "-ERR not login")
            #expect(try await c.cmd("LOGOUT") == "-ERR not login")
            #expect(try await c.cmd("HISTORY 1") == "-ERR not login")
        }
    }

    @Test("the command word is case-insensitive")
    func caseInsensitiveCommandWord() async throws {
        try await withCluster { cluster in
            let c = try await cluster.client()
            #expect(try await c.cmd("ping") == "+OK pong")
            #expect(try await c.cmd("PiNg") == "+OK pong")
            let name = uniqueName()
            #expect(try await c.cmd("register \(name) pw123").hasPrefix("+OK uid="))
            let other = try await cluster.client()
            #expect(try await other.cmd("Login \(name) pw123").hasPrefix("+OK uid="))
        }
    }

    @Test("blank lines get no reply")
    func blankLinesIgnored() async throws {
        try await withCluster { cluster in
            let c = try await cluster.client()
            try await c.sendRaw("\n\nPING\n\r\n\n\nHELP\n")
            #expect(try await c.reply() == "+OK pong")
            #expect(try await c.reply().hasPrefix("+OK commands: "))
            // Had a blank line been answered, its reply would come before this one.
            #expect(try await c.cmd("PING") == "+OK pong")
        }
    }

    @Test("CRLF line endings are accepted, the \\r is not part of the arguments")
    func crlfAccepted() async throws {
        try await withCluster { cluster in
            let c = try await cluster.client()
            try await c.sendRaw("PING\r\n")
            #expect(try await c.reply() == "+OK pong")
            let name = uniqueName()
            try await c.sendRaw("REGISTER \(name) pw123\r\n")
            #expect(try await c.reply().hasPrefix("+OK uid="))
            let other = try await cluster.client()
            #expect(try await other.cmd("LOGIN \(name) pw123").hasPrefix("+OK uid="),
                    "the password was stored without the \\r")
        }
    }

    @Test("HELP answers one +OK commands: line")
    func help() async throws {
        try await withCluster { cluster in
            let c = try await cluster.client()
            let help = try await c.cmd("HELP")
            #expect(help.hasPrefix("+OK commands: "))
            #expect(try await c.cmd("PING") == "+OK pong", "HELP wrote exactly one line")
        }
    }

    @Test("QUIT answers +OK bye and the server closes the connection")
    func quit() async throws {
        try await withCluster { cluster in
            let c = try await cluster.client()
            #expect(try await c.cmd("QUIT") == "+OK bye")
            try await c.waitClosed()
        }
    }

    @Test("PING answers +OK pong, logged in or not")
    func ping() async throws {
        try await withCluster { cluster in
            let c = try await cluster.client()
            #expect(try await c.cmd("PING") == "+OK pong")
            try await c.register()
            #expect(try await c.cmd("PING") == "+OK pong")
        }
    }
}
