import MPIMCore
import MPIMServices
import ServiceFakes
import TestSupport
import Testing

/// Sessions over fakes of every service: what a connection answers and
/// which service it asks, without Redis or SQLite.
@Suite("Session, over fake services")
struct SessionTests {
    @Test("REGISTER logs the connection in and starts its route; LOGOUT and the connection's end end it")
    func sessionLifecycle() async throws {
        try await InProcessGateway.with { gateway in
            let (alice, uid) = try await gateway.registered("alice")
            #expect(gateway.presence.started.map(\.user) == [Int64(uid)])
            #expect(gateway.presence.started.first?.device == "cli")
            #expect(try await alice.cmd("LOGOUT") == "+OK logout success")
            #expect(gateway.presence.ended.map(\.user) == [Int64(uid)])
            #expect(try await alice.cmd("LOGIN alice pw phone") == "+OK uid=\(uid)")
            #expect(gateway.presence.started.last?.device == "phone")
            alice.close()
            try await eventually("the closed connection's session ends") { gateway.presence.ended.count == 2 }
            #expect(gateway.registry.count == 0)
        }
    }

    @Test("a wrong password answers -ERR auth failed and starts no session")
    func wrongPassword() async throws {
        try await InProcessGateway.with { gateway in
            _ = try await gateway.registered("bob")
            let other = try await gateway.client()
            #expect(try await other.cmd("LOGIN bob nope") == "-ERR auth failed")
            #expect(try await other.cmd("PULL") == "-ERR not login")
            #expect(gateway.presence.started.count == 1)
        }
    }

    @Test("LOGIN on a logged-in connection answers -ERR already logged in and changes nothing")
    func loginTwice() async throws {
        try await InProcessGateway.with { gateway in
            let (alice, uid) = try await gateway.registered("alice")
            _ = try await gateway.registered("bob")
            #expect(try await alice.cmd("LOGIN bob pw phone") == "-ERR already logged in")
            #expect(try await alice.cmd("LOGIN alice pw cli") == "-ERR already logged in")
            #expect(gateway.presence.started.map(\.user) == [Int64(uid), Int64(uid) + 1], "no route started or ended")
            #expect(gateway.presence.ended.isEmpty)
            #expect(try await alice.cmd("LOGOUT") == "+OK logout success")
            #expect(try await alice.cmd("LOGIN bob pw phone") == "+OK uid=\(uid + 1)")
        }
    }

    @Test("USER turns a name into a uid and NAMES uids into names, in the order asked")
    func namesAndUIDs() async throws {
        try await InProcessGateway.with { gateway in
            let (alice, uid) = try await gateway.registered("alice")
            let (_, bob) = try await gateway.registered("bob")
            #expect(try await alice.cmd("USER bob") == "+OK uid=\(bob) name=bob")
            #expect(try await alice.cmd("USER nobody") == "-ERR no such user")
            #expect(try await alice.cmd("NAMES \(bob) \(uid) \(bob)") == "+OK \(bob)=bob \(uid)=alice \(bob)=bob")
            #expect(try await alice.cmd("NAMES \(bob) 999") == "-ERR no such user")
            #expect(try await alice.cmd("NAMES " + Array(repeating: "\(bob)", count: 101).joined(separator: " "))
                == "-ERR usage: NAMES <uid> [<uid> ...]")
            #expect(try await alice.cmd("NAMES x") == "-ERR bad uid")
            let stranger = try await gateway.client()
            #expect(try await stranger.cmd("USER bob") == "-ERR not login")
            #expect(try await stranger.cmd("NAMES \(bob)") == "-ERR not login")
        }
    }

    @Test("commands that need a session answer -ERR not login and reach no service")
    func notLoggedIn() async throws {
        try await InProcessGateway.with { gateway in
            let client = try await gateway.client()
            for line in ["SEND 1 hi", "SENDGROUP 1 hi", "PULL", "STATUS away", "WHO 1", "GETFRIENDS", "SYNC 0"] {
                #expect(try await client.cmd(line) == "-ERR not login", "\(line)")
            }
            #expect(gateway.messages.stored.isEmpty)
            #expect(gateway.presence.started.isEmpty)
        }
    }

    @Test("pipelined SENDs and the PING behind them are answered in command order, however late the store answers")
    func repliesInOrder() async throws {
        try await InProcessGateway.with { gateway in
            let (alice, _) = try await gateway.registered("alice")
            let (_, bob) = try await gateway.registered("bob")
            gateway.messages.hold()
            try await alice.sendRaw("SEND \(bob) one\nSEND \(bob) two\nPING\nSEND \(bob) three\n")
            try await eventually("the two SENDs before the PING reached the store") { gateway.messages.stored.count == 2 }
            #expect(try await alice.pushesNow(wait: .milliseconds(200)).isEmpty)
            gateway.messages.release()
            #expect(try await alice.reply() == "+OK msg_id=1")
            #expect(try await alice.reply() == "+OK msg_id=2")
            #expect(try await alice.reply() == "+OK pong", "PING waits for the sends before it")
            #expect(try await alice.reply() == "+OK msg_id=3")
        }
    }

    @Test("a message reaches the recipient's session as MSG; a PULL after it returns nothing")
    func pushThenPull() async throws {
        try await InProcessGateway.with { gateway in
            let (alice, ua) = try await gateway.registered("alice")
            let (bob, ub) = try await gateway.registered("bob")
            #expect(try await alice.cmd("SEND \(ub) hello  bob") == "+OK msg_id=1")
            let push = try await bob.push()
            #expect(push.hasPrefix("MSG id=1 from=\(ua) ts=") && field(push, "text") == "hello  bob", "\(push)")
            let (data, final) = try await bob.multi("PULL")
            #expect(data.isEmpty && final == "+OK pull_done count=0")
            #expect(try await alice.cmd("SEND 999 hi") == "-ERR no such user")
            #expect(gateway.messages.stored.count == 1)
        }
    }

    @Test("PULL returns every owed message, in order and in chunks, then +OK pull_done count=<n>")
    func pullInChunks() async throws {
        try await InProcessGateway.with { gateway in
            let (_, ua) = try await gateway.registered("alice")
            let bob = try await gateway.client()
            let ub = Int64(try #require(intField(try await bob.cmd("REGISTER bob pw"), "uid")))
            #expect(try await bob.cmd("LOGOUT") == "+OK logout success")
            for n in 0..<1200 {
                gateway.messages.submit(SendRequest(sender: Int64(ua), conversation: .direct(ub), text: "m\(n)")) { _ in }
            }
            #expect(try await bob.cmd("LOGIN bob pw") == "+OK uid=\(ub)")
            let (data, final) = try await bob.multi("PULL")
            #expect(final == "+OK pull_done count=1200")
            #expect(data.map { field($0, "text") } == (0..<1200).map { "m\($0)" })
        }
    }

    @Test("a group message reaches every member's sessions but the sending one")
    func groupFanOut() async throws {
        try await InProcessGateway.with { gateway in
            let (alice, _) = try await gateway.registered("alice")
            let (bob, _) = try await gateway.registered("bob")
            let (carol, _) = try await gateway.registered("carol")
            #expect(try await alice.cmd("CREATEGROUP team") == "+OK group_id=1")
            #expect(try await bob.cmd("JOINGROUP 1") == "+OK joined group")
            #expect(try await bob.cmd("SENDGROUP 1 hi team") == "+OK group_msg_id=1")
            #expect(try await alice.push().hasPrefix("GMSG id=1 group=1 "))
            #expect(try await bob.pushesNow().isEmpty, "the sending session gets no copy")
            #expect(try await carol.pushesNow().isEmpty, "not a member")
            #expect(try await carol.cmd("SENDGROUP 1 me too") == "-ERR not a member")
        }
    }

    @Test("a service failure answers -ERR internal <reason>, and the connection goes on")
    func serviceFailure() async throws {
        try await InProcessGateway.with { gateway in
            let (alice, _) = try await gateway.registered("alice")
            gateway.messages.failure = .internal("store unavailable")
            #expect(try await alice.cmd("PULL") == "-ERR internal store unavailable")
            #expect(try await alice.cmd("SEND 1 hi") == "-ERR internal store unavailable")
            gateway.users.failure = .internal("store unavailable")
            #expect(try await alice.cmd("GETFRIENDS") == "-ERR internal store unavailable")
            #expect(try await alice.cmd("PING") == "+OK pong")
        }
    }

    @Test("a client that half-closes after its commands (printf … | nc) gets every reply, then the connection closes")
    func halfClose() async throws {
        try await InProcessGateway.with { gateway in
            let client = try await gateway.client()
            try await client.sendRaw("REGISTER alice pw\nPING\nSEND 1 to myself\nHELP\n")
            try await client.closeOutput()
            #expect(try await client.reply() == "+OK uid=1")
            #expect(try await client.reply() == "+OK pong")
            #expect(try await client.reply() == "+OK msg_id=1")
            #expect(try await client.reply().hasPrefix("+OK commands: "))
            try await client.waitClosed()
            try await eventually("the session ends") { gateway.presence.ended.count == 1 }
        }
    }

    @Test("a line over the limit, read in several pieces, is answered -ERR line too long before the close")
    func lineTooLongInPieces() async throws {
        try await InProcessGateway.with({ $0.maxLineBytes = 1024 }) { gateway in
            let client = try await gateway.client()
            // A connection's first reads are small (256 bytes, then more), so
            // the decoder gives up on this line before its last pieces are read.
            try await client.sendRaw(String(repeating: "X", count: 2000) + "\n")
            #expect(try await client.reply() == "-ERR line too long")
            try await client.waitClosed()
        }
    }

    @Test("a kick closes the user's sessions with KICKED and ends them")
    func kick() async throws {
        try await InProcessGateway.with { gateway in
            let (alice, ua) = try await gateway.registered("alice")
            let (bob, _) = try await gateway.registered("bob")
            _ = try await gateway.presence.kick(Int64(ua), device: nil, reason: "admin")
            #expect(try await alice.push() == "KICKED reason=admin")
            try await alice.waitClosed()
            try await eventually("alice's session ends") { gateway.presence.ended.map(\.user) == [Int64(ua)] }
            #expect(try await bob.cmd("PING") == "+OK pong")
        }
    }
}
