import TestSupport
import Testing

// `mpim` driven through pipes against a real redis-server and a real mpimd
// (free 127.0.0.1 ports, a temporary folder; MPIM_E2E_KEEP=1 keeps it).
// MPIM=<path> and MPIMD=<path> pick other binaries.
@Suite("mpim against a real server", .serialized, .timeLimit(.minutes(2)))
struct ClientEndToEndTests {
    @Test("a message sent with /msg is printed by the other client, with its sender")
    func directMessage() async throws {
        try await ChatServer.with { server in
            let (alice, _, aliceUID) = try await server.registeredClient("alice")
            let (bob, bobName, bobUID) = try await server.registeredClient("bob")

            try alice.send("/msg \(bobUID) hello  bob")
            try await alice.expect("sent msg ")
            try await bob.expect("] user \(aliceUID): hello  bob")

            // Plain lines go to the /chat conversation; its own name resolves for the sender.
            try bob.send("/chat \(aliceUID)")
            try await bob.expect("plain lines now go to user \(aliceUID)")
            try bob.send("hi alice")
            try await bob.expect("sent msg ")
            try await alice.expect("] user \(bobUID): hi alice")
            try bob.send("/msg \(bobName) note to self")
            try await bob.expect("] \(bobName) (\(bobUID)): note to self")
        }
    }

    @Test("usernames the client has not seen are refused with a clear error")
    func unknownUsername() async throws {
        try await ChatServer.with { server in
            let (alice, _, _) = try await server.registeredClient("alice")
            try alice.send("/msg nobody_here hi")
            try await alice.expect("error: unknown user \"nobody_here\": the protocol cannot look up usernames")
        }
    }

    @Test("server errors print as error lines; /raw prints the protocol lines as they are")
    func serverErrors() async throws {
        try await ChatServer.with { server in
            let client = try server.client("anon")
            try await client.expect("* connected to")
            try client.send("/friends")
            try await client.expect("error: not login")
            try client.send("/login nobody_\(uniqueName()) secret")
            try await client.expect("error: auth failed")
            try client.send("/raw FOO bar")
            try await client.expect("-ERR unknown cmd")
            try client.send("/raw PING")
            try await client.expect("+OK pong")
            try client.send("/nonsense")
            try await client.expect("error: unknown command /nonsense")
            let (alice, _, _) = try await server.registeredClient("alice")
            try alice.send("/msg 999999 hi")
            try await alice.expect("error: no such user")
        }
    }

    @Test("/pull shows what arrived offline, /history both directions, /add and /friends")
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
            try bobAgain.send("/pull")
            try await bobAgain.expect("] user \(aliceUID): while you were out")
            try await bobAgain.expect("pulled 1 message")
            try bobAgain.send("/pull")
            try await bobAgain.expect("pulled 0 messages")

            try bobAgain.send("/msg \(aliceUID) back now")
            try await alice.expect("] user \(bobUID): back now")
            try alice.send("/history \(bobUID)")
            try await alice.expect("] \(aliceName) (\(aliceUID)): while you were out")
            try await alice.expect("] user \(bobUID): back now")
            try await alice.expect("history with user \(bobUID): 2 messages")

            try alice.send("/friends")
            try await alice.expect("friends: none")
            try alice.send("/add \(bobUID)")
            try await alice.expect("added friend user \(bobUID)")
            try alice.send("/friends")
            try await alice.expect("friends: user \(bobUID)")
            try bobAgain.send("/friends")
            try await bobAgain.expect("friends: user \(aliceUID)")

            // Friends see each other's status.
            try bobAgain.send("/status away")
            try await bobAgain.expect("status: away")
            try await alice.expect("* user \(bobUID) is away")
            try alice.send("/who \(bobUID)")
            try await alice.expect("who: user \(bobUID) away")
        }
    }

    @Test("a group is created, joined, written to and read back")
    func groups() async throws {
        try await ChatServer.with { server in
            let (alice, aliceName, aliceUID) = try await server.registeredClient("alice")
            let (bob, _, bobUID) = try await server.registeredClient("bob")

            try alice.send("/create room a room for tests")
            let created = try await alice.expect("created group ")
            let gid = try #require(Int(created.split(separator: " ")[2]))
            try bob.send("/join \(gid)")
            try await bob.expect("joined group \(gid)")
            try bob.send("/groups")
            try await bob.expect("groups: \(gid)")
            try alice.send("/members \(gid)")
            try await alice.expect("members of group \(gid): \(aliceName) (\(aliceUID)), user \(bobUID)")

            try alice.send("/group \(gid) hello room")
            try await alice.expect("sent msg ")
            try await bob.expect("] [group \(gid)] user \(aliceUID): hello room")
            try bob.send("/ghistory \(gid)")
            try await bob.expect("] [group \(gid)] user \(aliceUID): hello room")
            try await bob.expect("history of group \(gid): 1 message")
        }
    }

    @Test("after the server restarts the client reconnects, logs in again and keeps chatting")
    func survivesRestart() async throws {
        try await ChatServer.with { server in
            let (alice, aliceName, aliceUID) = try await server.registeredClient("alice")
            let (bob, bobName, bobUID) = try await server.registeredClient("bob")
            try bob.send("/status busy")
            try await bob.expect("status: busy")

            try await server.restart()

            try await alice.expect("* disconnected", timeout: .seconds(15))
            _ = try await alice.expectLogin(aliceName, "* logged in again as")
            try await bob.expect("* logged in again as \(bobName) (\(bobUID)), status busy", timeout: .seconds(15))

            try alice.send("/msg \(bobUID) still there?")
            try await alice.expect("sent msg ")
            try await bob.expect("] user \(aliceUID): still there?")
            try alice.send("/who \(bobUID)")
            try await alice.expect("who: user \(bobUID) busy")
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
