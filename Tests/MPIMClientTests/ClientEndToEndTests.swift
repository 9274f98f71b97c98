import TestSupport
import Testing

// `mpim` driven through pipes against a real redis-server and a real mpimd
// (free 127.0.0.1 ports, a temporary folder; MPIM_E2E_KEEP=1 keeps it).
// MPIM=<path> and MPIMD=<path> pick other binaries.
@Suite("mpim against a real server", .serialized, .timeLimit(.minutes(2)))
struct ClientEndToEndTests {
    @Test("a message sent with /msg is printed by the other client, with its sender's name")
    func directMessage() async throws {
        try await ChatServer.with { server in
            let (alice, aliceName, aliceUID) = try await server.registeredClient("alice")
            let (bob, bobName, bobUID) = try await server.registeredClient("bob")

            try alice.send("/msg \(bobUID) hello  bob")
            try await alice.expect("sent msg ")
            try await bob.expect("] \(aliceName): hello  bob")

            // Plain lines go to the /chat conversation; one's own messages read "you".
            try bob.send("/chat \(aliceUID)")
            try await bob.expect("plain lines now go to \(aliceName)")
            try bob.send("hi alice")
            try await bob.expect("sent msg ")
            try await alice.expect("] \(bobName): hi alice")
            try bob.send("/msg \(bobName) note to self")
            try await bob.expect("] you: note to self")
        }
    }

    @Test("any username works in /msg, /chat and /who: the client looks it up; an unknown one is refused")
    func usernames() async throws {
        try await ChatServer.with { server in
            let (alice, aliceName, _) = try await server.registeredClient("alice")
            let (bob, bobName, _) = try await server.registeredClient("bob")
            try alice.send("/msg \(bobName) found you")
            try await alice.expect(" to \(bobName)")
            try await bob.expect("] \(aliceName): found you")
            try alice.send("/chat \(bobName)")
            try await alice.expect("plain lines now go to \(bobName)")
            try alice.send("and again")
            try await bob.expect("] \(aliceName): and again")
            try alice.send("/who \(bobName)")
            try await alice.expect("who: \(bobName) online")
            try alice.send("/msg nobody_here hi")
            try await alice.expect("error: no such user: nobody_here")
            try alice.send("/chat 999999")
            try await alice.expect("error: no such user: 999999")
        }
    }

    @Test("server errors print as error lines, with what to do; /raw prints the protocol lines as they are")
    func serverErrors() async throws {
        try await ChatServer.with { server in
            let client = try server.client("anon")
            try await client.expect("* connected to")
            try client.send("/friends")
            try await client.expect("error: not logged in: /login <username> or /register <username> first")
            try client.send("hello?")
            try await client.expect("error: not logged in")
            try client.send("/login nobody_\(uniqueName()) secret")
            try await client.expect("error: auth failed")
            try client.send("/raw FOO bar")
            try await client.expect("-ERR unknown cmd")
            try client.send("/raw PING")
            try await client.expect("+OK pong")
            try client.send("/nonsense")
            try await client.expect("error: unknown command /nonsense")
            try client.send("/create my group with spaces")
            try await client.expect("error: a group name is one word; put a description of several words in quotes")
            let (alice, aliceName, _) = try await server.registeredClient("alice")
            try alice.send("/msg 999999 hi")
            try await alice.expect("error: no such user")
            try alice.send("/login \(aliceName) pw-\(aliceName)")
            try await alice.expect("error: already logged in as \(aliceName): /logout first")
        }
    }

    @Test("a login shows what arrived while away; /history both directions, /add and /friends with names")
    func pullHistoryFriends() async throws {
        try await ChatServer.with { server in
            let (alice, aliceName, aliceUID) = try await server.registeredClient("alice")
            let (bob, bobName, bobUID) = try await server.registeredClient("bob")
            try bob.send("/quit")
            #expect(await bob.waitForExit() == 0)

            try alice.send("/msg \(bobUID) while you were out")
            try await alice.expect("sent msg ")

            let bobAgain = try server.client("bob2")
            try bobAgain.send("/login \(bobName) pw-\(bobName)")
            _ = try await bobAgain.expectLogin(bobName)
            try await bobAgain.expect("* 1 message arrived while you were away:")
            try await bobAgain.expect("] \(aliceName): while you were out")
            try bobAgain.send("/pull")
            try await bobAgain.expect("pulled 0 messages")

            try bobAgain.send("/msg \(aliceUID) back now")
            try await alice.expect("] \(bobName): back now")
            try alice.send("/history \(bobName)")
            try await alice.expect("] you: while you were out")
            try await alice.expect("] \(bobName): back now")
            try await alice.expect("history with \(bobName): 2 messages")

            try alice.send("/friends")
            try await alice.expect("friends: none")
            try alice.send("/add \(bobName)")
            try await alice.expect("added friend \(bobName)")
            try alice.send("/friends")
            try await alice.expect("friends: \(bobName)")
            try bobAgain.send("/friends")
            try await bobAgain.expect("friends: \(aliceName)")

            // Friends see each other's status.
            try bobAgain.send("/status away")
            try await bobAgain.expect("status: away")
            try await alice.expect("* \(bobName) is away")
            try alice.send("/who \(bobUID)")
            try await alice.expect("who: \(bobName) away")
        }
    }

    @Test("a group is created (its description quoted), joined, written to and read back")
    func groups() async throws {
        try await ChatServer.with { server in
            let (alice, aliceName, _) = try await server.registeredClient("alice")
            let (bob, bobName, _) = try await server.registeredClient("bob")

            try alice.send("/create room \"a room for tests\"")
            let created = try await alice.expect("created group ")
            let gid = try #require(Int(created.split(separator: " ")[2]))
            try alice.send("/raw GROUPINFO \(gid)")
            let info = try await alice.expect("name=room ")
            #expect(info.hasSuffix(" description=a room for tests"))
            try bob.send("/join \(gid)")
            try await bob.expect("joined group \(gid)")
            try bob.send("/groups")
            try await bob.expect("groups: \(gid)")
            try alice.send("/members \(gid)")
            try await alice.expect("members of group \(gid): \(aliceName), \(bobName)")

            try alice.send("/group \(gid) hello room")
            try await alice.expect("sent msg ")
            try await bob.expect("] [group \(gid)] \(aliceName): hello room")
            try bob.send("/ghistory \(gid)")
            try await bob.expect("] [group \(gid)] \(aliceName): hello room")
            try await bob.expect("history of group \(gid): 1 message")
        }
    }

    @Test("what a user sends from one device shows on their other device as sent by you")
    func sentFromAnotherDevice() async throws {
        try await ChatServer.with { server in
            let (alice, aliceName, _) = try await server.registeredClient("alice")
            let (bob, bobName, _) = try await server.registeredClient("bob")
            let phone = try server.client("alice-phone")
            try phone.send("/login \(aliceName) pw-\(aliceName) phone")
            _ = try await phone.expectLogin(aliceName)

            try alice.send("/msg \(bobName) from the laptop")
            try await bob.expect("] \(aliceName): from the laptop")
            try await phone.expect("] you → \(bobName): from the laptop")
            try bob.send("/msg \(aliceName) got it")
            try await alice.expect("] \(bobName): got it")
            try await phone.expect("] \(bobName): got it")
        }
    }

    @Test("signed in on another cli device: told plainly, no login again, the other session stays")
    func signedOutElsewhere() async throws {
        try await ChatServer.with { server in
            let (alice, aliceName, _) = try await server.registeredClient("alice")
            let (_, bobName, _) = try await server.registeredClient("bob")
            try alice.send("/chat \(bobName)")
            try await alice.expect("plain lines now go to \(bobName)")

            let second = try server.client("alice-again")
            try second.send("/login \(aliceName) pw-\(aliceName)")
            _ = try await second.expectLogin(aliceName)
            try await alice.expect("! signed in on another cli device; signed out here (/login to sign in here again)")
            try await alice.expect("* reconnected to")

            // The conversation ended with the login; nothing was sent, nobody logged in again.
            try alice.send("still there?")
            try await alice.expect("error: not logged in: /login <username> or /register <username> first")
            try second.send("/raw PING")
            try await second.expect("+OK pong")
            try await Task.sleep(for: .milliseconds(500))
            #expect(!alice.lines.contains { $0.contains("logged in again") })
            #expect(!second.lines.contains { $0.contains("signed out here") || $0.contains("kicked") })
        }
    }

    @Test("after the server restarts the client reconnects, logs in again and keeps chatting")
    func survivesRestart() async throws {
        try await ChatServer.with { server in
            let (alice, aliceName, _) = try await server.registeredClient("alice")
            let (bob, bobName, bobUID) = try await server.registeredClient("bob")
            try bob.send("/status busy")
            try await bob.expect("status: busy")

            try await server.restart()

            try await alice.expect("* disconnected", timeout: .seconds(15))
            _ = try await alice.expectLogin(aliceName, "* logged in again as")
            try await bob.expect("* logged in again as \(bobName) (\(bobUID)), status busy", timeout: .seconds(15))

            try alice.send("/msg \(bobUID) still there?")
            try await alice.expect("sent msg ")
            try await bob.expect("] \(aliceName): still there?")
            try alice.send("/who \(bobUID)")
            try await alice.expect("who: \(bobName) busy")
        }
    }

    @Test("end of input quits with status 0")
    func endOfInput() async throws {
        try await ChatServer.with { server in
            let client = try server.client("eof")
            try await client.expect("* connected to")
            client.closeInput()
            #expect(await client.waitForExit() == 0)
        }
    }

    @Test("with no server it retries with backoff, then gives up with status 1")
    func givesUp() async throws {
        let port = try freeLoopbackPort()  // nothing listens there
        let client = try ClientProcess(label: "nobody", port: port, extraArguments: ["--reconnect-attempts", "3"])
        try await withCleanup {
            try await client.expect("cannot connect to 127.0.0.1:\(port): Connection refused; retrying in 0.2s (attempt 1 of 3)")
            try await client.expect("retrying in 0.4s (attempt 2 of 3)")
            try await client.expect("error: gave up: 3 attempts in a row to connect to 127.0.0.1:\(port) failed")
            #expect(await client.waitForExit() == 1)
        } cleanup: {
            await client.stop()
        }
    }
}
