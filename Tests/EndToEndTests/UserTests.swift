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
            #expect(try await c.cmd("SEND \(uid) note to self").hasPrefix("+OK msg_id="), "registered means logged in")
        }
    }

    @Test("registering a taken name answers -ERR user exists")
    func duplicateRegister() async throws {
        try await withCluster { cluster in
            let (c, name, _) = try await cluster.registeredClient()
            #expect(try await c.cmd("REGISTER \(name) other") == "-ERR user exists")
            let d = try await cluster.client()
            #expect(try await d.cmd("REGISTER \(name) pw123") == "-ERR user exists")
        }
    }

    @Test("LOGIN with a wrong password or an unknown user answers -ERR auth failed")
    func loginFailures() async throws {
        try await withCluster { cluster in
            let (_, name, _) = try await cluster.registeredClient()
            let d = try await cluster.client()
            #expect(try await d.cmd("LOGIN \(name) wrong") == "-ERR auth failed")
            #expect(try await d.cmd("LOGIN \(uniqueName("nobody")) pw123") == "-ERR auth failed")
            #expect(try await d.cmd("SEND 1 hi") == "-ERR not login", "a failed LOGIN logs nobody in")
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
            #expect(intField(try await e.cmd("LOGIN \(name) pw123"), "uid") == uid, "device defaults to cli")
        }
    }

    @Test("LOGOUT answers +OK logout success and the session is logged out")
    func logout() async throws {
        try await withCluster { cluster in
            let (c, _, uid) = try await cluster.registeredClient()
            #expect(try await c.cmd("LOGOUT") == "+OK logout success")
            #expect(try await c.cmd("SEND \(uid) hi") == "-ERR not login")
            #expect(try await c.cmd("PULL") == "-ERR not login")
            #expect(try await c.cmd("LOGOUT") == "-ERR not login")
            #expect(try await c.cmd("PING") == "+OK pong", "the connection stays open")
        }
    }

    @Test("wrong arguments to REGISTER and LOGIN answer -ERR usage: <COMMAND>")
    func usageErrors() async throws {
        try await withCluster { cluster in
            let c = try await cluster.client()
            #expect(try await c.cmd("REGISTER").hasPrefix("-ERR usage: REGISTER"))
            #expect(try await c.cmd("REGISTER onlyname").hasPrefix("-ERR usage: REGISTER"))
            #expect(try await c.cmd("LOGIN").hasPrefix("-ERR usage: LOGIN"))
            #expect(try await c.cmd("LOGIN onlyname").hasPrefix("-ERR usage: LOGIN"))
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
            #expect(try await c.cmd("SEND 1 hi") == "-ERR not login", "no rejected REGISTER logged in")
            let longest = "Ok_.-\(uniqueName())".padding(toLength: 32, withPad: "x", startingAt: 0)
            #expect(try await c.cmd("REGISTER \(longest) pw123").hasPrefix("+OK uid="),
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
                #expect(try await d.cmd("LOGIN \(name) wrong\(attempt)") == "-ERR auth failed", "attempt \(attempt)")
            }
            #expect(try await d.cmd("LOGIN \(name) pw123") == "-ERR auth locked")
            let e = try await cluster.client()
            #expect(try await e.cmd("LOGIN \(name) pw123") == "-ERR auth locked", "locked for every connection")
            #expect(try await e.cmd("LOGIN \(bystander) pw123").hasPrefix("+OK uid="), "only that name is locked")
        }
    }
}
