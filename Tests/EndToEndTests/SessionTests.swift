import TestSupport
import Testing

@Suite("Protocol and session")
struct SessionTests {
    @Test("a new connection is greeted with +OK welcome")
    func greeting() async throws {
        try await withCluster { cluster in
            let c = try await cluster.client()
            #expect(c.greeting.hasPrefix("+OK welcome"))
            try await c.expectReply("PING", "+OK pong")
        }
    }

    @Test("an unknown command word answers -ERR unknown cmd")
    func unknownCommand() async throws {
        try await withCluster { cluster in
            let c = try await cluster.client()
            try await c.expectReply("FOO bar", "-ERR unknown cmd")
            try await c.expectReply("SENDX 1 hi", "-ERR unknown cmd")
            try await c.expectReply("PING", "+OK pong", "the session goes on")
        }
    }

    @Test("commands that need a session answer -ERR not login before LOGIN")
    func notLoggedIn() async throws {
        try await withCluster { cluster in
            let c = try await cluster.client()
            try await c.expectReply("SEND 1 hi", "-ERR not login")
            try await c.expectReply("PULL", "-ERR not login")
            try await c.expectReply("LOGOUT", "-ERR not login")
            try await c.expectReply("HISTORY 1", "-ERR not login")
        }
    }

    @Test("the command word is case-insensitive")
    func caseInsensitiveCommandWord() async throws {
        try await withCluster { cluster in
            let c = try await cluster.client()
            try await c.expectReply("ping", "+OK pong")
            try await c.expectReply("PiNg", "+OK pong")
            let name = uniqueName()
            try await c.expectReply("register \(name) pw123", startsWith: "+OK uid=")
            let other = try await cluster.client()
            try await other.expectReply("Login \(name) pw123", startsWith: "+OK uid=")
        }
    }

    @Test("blank lines get no reply")
    func blankLinesIgnored() async throws {
        try await withCluster { cluster in
            let c = try await cluster.client()
            try await c.sendRaw("\n\nPING\n\r\n\n\nHELP\n")
            try await c.expectNextReply("+OK pong")
            let help = try await c.reply()
            #expect(help.hasPrefix("+OK commands: "))
            // Had a blank line been answered, its reply would come before this one.
            try await c.expectReply("PING", "+OK pong")
        }
    }

    @Test("CRLF line endings are accepted, the \\r is not part of the arguments")
    func crlfAccepted() async throws {
        try await withCluster { cluster in
            let c = try await cluster.client()
            try await c.sendRaw("PING\r\n")
            try await c.expectNextReply("+OK pong")
            let name = uniqueName()
            try await c.sendRaw("REGISTER \(name) pw123\r\n")
            let registered = try await c.reply()
            #expect(registered.hasPrefix("+OK uid="))
            let other = try await cluster.client()
            try await other.expectReply("LOGIN \(name) pw123", startsWith: "+OK uid=",
                                        "the password was stored without the \\r")
        }
    }

    @Test("HELP answers one +OK commands: line")
    func help() async throws {
        try await withCluster { cluster in
            let c = try await cluster.client()
            let help = try await c.cmd("HELP")
            #expect(help.hasPrefix("+OK commands: "))
            try await c.expectReply("PING", "+OK pong", "HELP wrote exactly one line")
        }
    }

    @Test("QUIT answers +OK bye and the server closes the connection")
    func quit() async throws {
        try await withCluster { cluster in
            let c = try await cluster.client()
            try await c.expectReply("QUIT", "+OK bye")
            try await c.waitClosed()
        }
    }

    @Test("PING answers +OK pong, logged in or not")
    func ping() async throws {
        try await withCluster { cluster in
            let c = try await cluster.client()
            try await c.expectReply("PING", "+OK pong")
            try await c.register()
            try await c.expectReply("PING", "+OK pong")
        }
    }
}
