import Testing

/// The conformance scenarios `friends` and `groups_fanout`, so this suite covers what run.py covers.
@Suite("Friends and groups")
struct FriendsAndGroupsTests {
    @Test("friendship is mutual, listed ascending, and removed both ways")
    func friends() async throws {
        try await withCluster { cluster in
            let (a, _, ua) = try await cluster.registeredClient()
            let (b, _, ub) = try await cluster.registeredClient()
            let (_, _, uc) = try await cluster.registeredClient()
            #expect(try await a.cmd("GETFRIENDS") == "+OK friends: ")
            #expect(try await a.cmd("ADDFRIEND \(ub)") == "+OK friend added")
            #expect(try await a.cmd("ADDFRIEND \(ub)") == "+OK friend added", "adding twice")
            #expect(try await a.cmd("ADDFRIEND \(uc)") == "+OK friend added")
            #expect(try await a.cmd("ADDFRIEND 999999999") == "-ERR no such user")
            #expect(try await a.cmd("GETFRIENDS") == "+OK friends: \(ub),\(uc)")
            #expect(try await b.cmd("GETFRIENDS") == "+OK friends: \(ua)", "mutual")
            #expect(try await a.cmd("REMOVEFRIEND \(ub)") == "+OK friend removed")
            #expect(try await b.cmd("GETFRIENDS") == "+OK friends: ", "removed both ways")
        }
    }

    @Test("a group message is pushed to online members, pulled by offline ones, and not echoed")
    func groupFanout() async throws {
        try await withCluster { cluster in
            let (a, _, ua) = try await cluster.registeredClient()
            let (b, _, ub) = try await cluster.registeredClient()
            let (c, nameC, uc) = try await cluster.registeredClient()
            let (d, _, _) = try await cluster.registeredClient()
            let created = try await a.cmd("CREATEGROUP team the core team")
            #expect(created.hasPrefix("+OK group_id="))
            let g = try #require(intField(created, "group_id"))
            #expect(try await b.cmd("JOINGROUP \(g)") == "+OK joined group")
            #expect(try await c.cmd("JOINGROUP \(g)") == "+OK joined group")
            #expect(try await d.cmd("SENDGROUP \(g) hi") == "-ERR not a member")
            #expect(try await d.cmd("JOINGROUP 999999999") == "-ERR no such group")
            #expect(try await a.cmd("MEMBERS \(g)") == "+OK members: \(ua),\(ub),\(uc)")
            #expect(try await b.cmd("GROUPS") == "+OK groups: \(g)")
            let info = try await a.cmd("GROUPINFO \(g)")
            #expect(field(info, "name") == "team" && field(info, "members") == "3" && field(info, "creator") == "\(ua)",
                    "\(info)")
            #expect(try await c.cmd("LOGOUT") == "+OK logout success")

            let sent = try await a.cmd("SENDGROUP \(g) hello  team")
            #expect(sent.hasPrefix("+OK group_msg_id="))
            let gm = try #require(intField(sent, "group_msg_id"))
            let push = try await b.push()
            #expect(push.hasPrefix("GMSG id=\(gm) group=\(g) from=\(ua) ts="), "\(push)")
            #expect(field(push, "text") == "hello  team")
            #expect(try await a.pushesNow().filter { $0.hasPrefix("GMSG") }.isEmpty, "the sending session gets no echo")
            #expect(try await d.pushesNow(wait: .milliseconds(100)).isEmpty, "a non-member gets nothing")

            let c2 = try await cluster.client()
            try await c2.login(nameC)
            #expect(try await c2.pull().contains { $0.hasPrefix("GMSG id=\(gm) ") }, "the offline member pulls it")
            #expect(try await d.pull().allSatisfy { !$0.contains("group=\(g)") }, "a non-member pulls nothing of it")
            #expect(try await b.cmd("LEAVEGROUP \(g)") == "+OK left group")
            _ = try await a.cmd("SENDGROUP \(g) after leave")
            #expect(try await b.pushesNow().isEmpty, "a member who left gets nothing")
        }
    }
}
