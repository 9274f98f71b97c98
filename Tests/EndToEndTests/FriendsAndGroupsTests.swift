import TestSupport
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
            try await a.expectReply("GETFRIENDS", "+OK friends: ")
            try await a.expectReply("ADDFRIEND \(ub)", "+OK friend added")
            try await a.expectReply("ADDFRIEND \(ub)", "+OK friend added", "adding twice")
            try await a.expectReply("ADDFRIEND \(uc)", "+OK friend added")
            try await a.expectReply("ADDFRIEND 999999999", "-ERR no such user")
            try await a.expectReply("GETFRIENDS", "+OK friends: \(ub),\(uc)")
            try await b.expectReply("GETFRIENDS", "+OK friends: \(ua)", "mutual")
            try await a.expectReply("REMOVEFRIEND \(ub)", "+OK friend removed")
            try await b.expectReply("GETFRIENDS", "+OK friends: ", "removed both ways")
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
            try await b.expectReply("JOINGROUP \(g)", "+OK joined group")
            try await c.expectReply("JOINGROUP \(g)", "+OK joined group")
            try await d.expectReply("SENDGROUP \(g) hi", "-ERR not a member")
            try await d.expectReply("JOINGROUP 999999999", "-ERR no such group")
            try await a.expectReply("MEMBERS \(g)", "+OK members: \(ua),\(ub),\(uc)")
            try await b.expectReply("GROUPS", "+OK groups: \(g)")
            let info = try await a.cmd("GROUPINFO \(g)")
            #expect(field(info, "name") == "team" && field(info, "members") == "3" && field(info, "creator") == "\(ua)",
                    "\(info)")
            try await c.expectReply("LOGOUT", "+OK logout success")

            let sent = try await a.cmd("SENDGROUP \(g) hello  team")
            #expect(sent.hasPrefix("+OK group_msg_id="))
            let gm = try #require(intField(sent, "group_msg_id"))
            let push = try await b.push()
            #expect(push.hasPrefix("GMSG id=\(gm) group=\(g) from=\(ua) ts="), "\(push)")
            #expect(field(push, "text") == "hello  team")
            try await a.expectNoPush("the sending session gets no echo")
            try await d.expectNoPush(wait: .milliseconds(100), "a non-member gets nothing")

            let c2 = try await cluster.client()
            try await c2.login(nameC)
            let pulledByC = try await c2.pull()
            #expect(pulledByC.contains { $0.hasPrefix("GMSG id=\(gm) group=\(g) from=\(ua) ") }, "the offline member pulls it")
            let pulledByD = try await d.pull()
            #expect(pulledByD.allSatisfy { !$0.contains("group=\(g)") }, "a non-member pulls nothing of it")
            try await b.expectReply("LEAVEGROUP \(g)", "+OK left group")
            _ = try await a.cmd("SENDGROUP \(g) after leave")
            try await b.expectNoPush("a member who left gets nothing")
        }
    }
}
