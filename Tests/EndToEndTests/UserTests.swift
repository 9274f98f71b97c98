import TestSupport
import Testing

@Suite("Users")
struct UserTests {
    @Test("REGISTER answers +OK uid=<n> and logs the connection in")
    func registerLogsIn() async throws {
        try await withCluster { cluster in
            let c = try await cluster.client()
            let reply = try await c.cmd("REGISTER \(uniqueName()) pw123")
            #expect(reply.hasPrefix("+OK uid="))
            let uid = try #require(intField(reply, "uid"))
            #expect(uid > 0)
            try await c.expectReply("SEND \(uid) note to self", startsWith: "+OK msg_id=", "registered means logged in")
        }
    }

    @Test("registering a taken name answers -ERR user exists")
    func duplicateRegister() async throws {
        try await withCluster { cluster in
            let (c, name, _) = try await cluster.registeredClient()
            try await c.expectReply("REGISTER \(name) other", "-ERR user exists")
            let d = try await cluster.client()
            try await d.expectReply("REGISTER \(name) pw123", "-ERR user exists")
        }
    }

    @Test("LOGIN with a wrong password or an unknown user answers -ERR auth failed")
    func loginFailures() async throws {
        try await withCluster { cluster in
            let (_, name, _) = try await cluster.registeredClient()
            let d = try await cluster.client()
            try await d.expectReply("LOGIN \(name) wrong", "-ERR auth failed")
            try await d.expectReply("LOGIN \(uniqueName("nobody")) pw123", "-ERR auth failed")
            try await d.expectReply("SEND 1 hi", "-ERR not login", "a failed LOGIN logs nobody in")
        }
    }

    @Test("LOGIN with a device answers +OK uid= with the registered uid")
    func loginWithDevice() async throws {
        try await withCluster { cluster in
            let (_, name, uid) = try await cluster.registeredClient()
            let d = try await cluster.client()
            let reply = try await d.cmd("LOGIN \(name) pw123 phone")
            #expect(reply.hasPrefix("+OK uid="))
            #expect(intField(reply, "uid") == uid)
            let e = try await cluster.client()
            let defaultDevice = try await e.cmd("LOGIN \(name) pw123")
            #expect(intField(defaultDevice, "uid") == uid, "device defaults to cli: \(defaultDevice)")
        }
    }

    @Test("LOGOUT answers +OK logout success and the session is logged out")
    func logout() async throws {
        try await withCluster { cluster in
            let (c, _, uid) = try await cluster.registeredClient()
            try await c.expectReply("LOGOUT", "+OK logout success")
            try await c.expectReply("SEND \(uid) hi", "-ERR not login")
            try await c.expectReply("PULL", "-ERR not login")
            try await c.expectReply("LOGOUT", "-ERR not login")
            try await c.expectReply("PING", "+OK pong", "the connection stays open")
        }
    }

    @Test("wrong arguments to REGISTER and LOGIN answer -ERR usage: <COMMAND>")
    func usageErrors() async throws {
        try await withCluster { cluster in
            let c = try await cluster.client()
            try await c.expectReply("REGISTER", startsWith: "-ERR usage: REGISTER")
            try await c.expectReply("REGISTER onlyname", startsWith: "-ERR usage: REGISTER")
            try await c.expectReply("LOGIN", startsWith: "-ERR usage: LOGIN")
            try await c.expectReply("LOGIN onlyname", startsWith: "-ERR usage: LOGIN")
        }
    }

    @Test("usernames longer than 32 characters or with other characters are rejected")
    func badUsernames() async throws {
        try await withCluster { cluster in
            let c = try await cluster.client()
            let tooLong = String(repeating: "a", count: 33)
            for name in [tooLong, "bad$name", "bad/name", "semi;colon", "quote\"d", "ünï", "a:b"] {
                let reply = try await c.cmd("REGISTER \(name) pw123")
                #expect(reply.hasPrefix("-ERR"), "REGISTER \(name) answered \(reply)")
            }
            try await c.expectReply("SEND 1 hi", "-ERR not login", "no rejected REGISTER logged in")
            let longest = "Ok_.-\(uniqueName())".padding(toLength: 32, withPad: "x", startingAt: 0)
            try await c.expectReply("REGISTER \(longest) pw123", startsWith: "+OK uid=",
                                    "32 characters of A-Z a-z 0-9 _ . - are a valid name")
        }
    }

    @Test("after 5 failed logins within 60 s even the right password answers -ERR auth locked")
    func lockoutAfterFailedLogins() async throws {
        try await withCluster { cluster in
            let (_, name, _) = try await cluster.registeredClient()
            let (_, bystander, _) = try await cluster.registeredClient()
            let d = try await cluster.client()
            for attempt in 1...5 {
                try await d.expectReply("LOGIN \(name) wrong\(attempt)", "-ERR auth failed", "attempt \(attempt)")
            }
            try await d.expectReply("LOGIN \(name) pw123", "-ERR auth locked")
            let e = try await cluster.client()
            try await e.expectReply("LOGIN \(name) pw123", "-ERR auth locked", "locked for every connection")
            try await e.expectReply("LOGIN \(bystander) pw123", startsWith: "+OK uid=", "only that name is locked")
        }
    }

    @Test("USER finds an account by name and NAMES names accounts, on either gateway; unknown ones are refused")
    func namesAndUIDs() async throws {
        try await withCluster(gateways: 2) { cluster in
            let (a, aliceName, alice) = try await cluster.registeredClient(0, prefix: "al")
            let (b, bobName, bob) = try await cluster.registeredClient(1, prefix: "bo")
            try await a.expectReply("USER \(bobName)", "+OK uid=\(bob) name=\(bobName)")
            try await b.expectReply("USER \(aliceName)", "+OK uid=\(alice) name=\(aliceName)")
            try await a.expectReply("USER \(uniqueName("nobody"))", "-ERR no such user")
            try await b.expectReply("NAMES \(bob) \(alice)", "+OK \(bob)=\(bobName) \(alice)=\(aliceName)")
            try await b.expectReply("NAMES \(alice) 999999", "-ERR no such user")
            try await a.expectReply("NAMES \(alice)", "+OK \(alice)=\(aliceName)", "read again from the cache")
        }
    }

    @Test("a second LOGIN on a logged-in connection is refused and changes nothing: friends see no presence change")
    func loginTwice() async throws {
        try await withCluster { cluster in
            let (a, name, uid) = try await cluster.registeredClient(prefix: "tw")
            let (friend, otherName, other) = try await cluster.registeredClient(prefix: "fr")
            try await friend.befriend(uid)
            for _ in 0..<3 {
                try await a.expectReply("LOGIN \(name) pw123 nc1", "-ERR already logged in")
            }
            try await a.expectReply("LOGIN \(otherName) pw123", "-ERR already logged in")
            try await friend.expectNoPush(wait: .milliseconds(300), "no PRESENCE flaps")
            try await a.expectReply("SEND \(other) still me", startsWith: "+OK msg_id=")
            let push = try await friend.push()
            #expect(push.hasPrefix("MSG ") && field(push, "from") == "\(uid)", "\(push)")
        }
    }
}
