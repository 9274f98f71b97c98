import TestSupport
import Testing

/// Every friend and group command on one gateway: the happy paths, the replies'
/// exact shapes, and each error of the contract.
@Suite("Friend and group commands")
struct FriendAndGroupCommandTests {
    @Test("GETFRIENDS lists friends ascending whatever order they were added in")
    func friendsAscending() async throws {
        try await withCluster { cluster in
            let (a, _, ua) = try await cluster.registeredClient()
            let (b, _, ub) = try await cluster.registeredClient()
            let (c, _, uc) = try await cluster.registeredClient()
            try await a.expectReply("ADDFRIEND \(uc)", "+OK friend added")
            try await a.expectReply("ADDFRIEND \(ub)", "+OK friend added")
            try await a.expectReply("GETFRIENDS", "+OK friends: \(ub),\(uc)")
            try await c.expectReply("ADDFRIEND \(ub)", "+OK friend added")
            try await b.expectReply("GETFRIENDS", "+OK friends: \(ua),\(uc)", "both friendships are mutual")
            try await b.expectReply("REMOVEFRIEND \(uc)", "+OK friend removed")
            try await c.expectReply("GETFRIENDS", "+OK friends: \(ua)", "removed from the other side too")
            try await a.expectReply("GETFRIENDS", "+OK friends: \(ub),\(uc)", "other friendships are untouched")
        }
    }

    @Test("adding oneself as a friend answers -ERR, adds nothing, and the daemon goes on")
    func addSelfAsFriend() async throws {
        try await withCluster { cluster in
            let (a, _, ua) = try await cluster.registeredClient()
            try await a.expectReply("ADDFRIEND \(ua)", startsWith: "-ERR")
            try await a.expectReply("PING", "+OK pong", "the session goes on")
            try await a.expectReply("GETFRIENDS", "+OK friends: ")
            let (b, _, _) = try await cluster.registeredClient()
            try await b.expectReply("PING", "+OK pong", "the daemon goes on")
        }
    }

    @Test("friend command errors: no such user, bad uid, usage")
    func friendErrors() async throws {
        try await withCluster { cluster in
            let (a, _, _) = try await cluster.registeredClient()
            try await a.expectReply("ADDFRIEND 999999999", "-ERR no such user")
            try await a.expectReply("REMOVEFRIEND 999999999", "-ERR no such user")
            for command in ["ADDFRIEND", "REMOVEFRIEND"] {
                try await a.expectReply("\(command) abc", "-ERR bad uid")
                try await a.expectReply("\(command) 0", "-ERR bad uid")
                try await a.expectReply("\(command) -4", "-ERR bad uid")
                try await a.expectReply(command, startsWith: "-ERR usage: \(command)")
                try await a.expectReply("\(command) 5 6", startsWith: "-ERR usage: \(command)")
            }
            try await a.expectReply("GETFRIENDS", "+OK friends: ", "no failed command added anyone")
        }
    }

    @Test("CREATEGROUP makes the creator the first member; GROUPINFO shows name, creator, count, time and description")
    func createGroupAndInfo() async throws {
        try await withCluster { cluster in
            let (a, _, ua) = try await cluster.registeredClient()
            let (b, _, ub) = try await cluster.registeredClient()
            try await a.expectReply("GROUPS", "+OK groups: ", "no groups yet")
            let g = try await a.createGroup("team", description: "the core team, a=b text=c")
            try await a.expectReply("MEMBERS \(g)", "+OK members: \(ua)")
            try await a.expectReply("GROUPS", "+OK groups: \(g)")
            let info = try await a.cmd("GROUPINFO \(g)")
            expectGroupInfo(info, gid: g, name: "team", creator: ua, members: 1,
                            description: "the core team, a=b text=c")
            let infoForOutsider = try await b.cmd("GROUPINFO \(g)")
            #expect(infoForOutsider == info, "GROUPINFO is not members-only")

            let bare = try await b.createGroup("plain")
            #expect(bare > g, "gids increase")
            let bareInfo = try await b.cmd("GROUPINFO \(bare)")
            expectGroupInfo(bareInfo, gid: bare, name: "plain", creator: ub, members: 1, description: "")
        }
    }

    @Test("JOINGROUP adds a member once, even when repeated; GROUPS lists a user's groups ascending")
    func joinGroupAndGroups() async throws {
        try await withCluster { cluster in
            let (a, _, ua) = try await cluster.registeredClient()
            let (b, _, ub) = try await cluster.registeredClient()
            let g1 = try await a.createGroup("one")
            let g2 = try await a.createGroup("two")
            try await b.expectReply("JOINGROUP \(g2)", "+OK joined group")
            try await b.expectReply("JOINGROUP \(g1)", "+OK joined group")
            try await b.expectReply("JOINGROUP \(g1)", "+OK joined group", "joining twice")
            try await a.expectReply("JOINGROUP \(g1)", "+OK joined group", "the creator joining again")
            try await b.expectReply("GROUPS", "+OK groups: \(g1),\(g2)", "ascending, whatever the join order")
            try await a.expectReply("GROUPS", "+OK groups: \(g1),\(g2)")
            try await b.expectReply("MEMBERS \(g1)", "+OK members: \(ua),\(ub)", "no duplicate member")
            let info = try await b.cmd("GROUPINFO \(g1)")
            #expect(intField(info, "members") == 2, "\(info)")
        }
    }

    @Test("LEAVEGROUP removes the member; leaving again, or a group one never joined, answers -ERR not a member")
    func leaveGroup() async throws {
        try await withCluster { cluster in
            let (a, _, ua) = try await cluster.registeredClient()
            let (b, _, _) = try await cluster.registeredClient()
            let (c, _, _) = try await cluster.registeredClient()
            let g = try await a.createGroup()
            try await b.joinGroup(g)
            try await b.expectReply("LEAVEGROUP \(g)", "+OK left group")
            try await b.expectReply("GROUPS", "+OK groups: ")
            try await a.expectReply("MEMBERS \(g)", "+OK members: \(ua)")
            try await b.expectReply("LEAVEGROUP \(g)", "-ERR not a member", "leaving twice")
            try await c.expectReply("LEAVEGROUP \(g)", "-ERR not a member", "never joined")
            try await b.expectReply("MEMBERS \(g)", "-ERR not a member", "a member who left can no longer list members")
            try await b.expectReply("JOINGROUP \(g)", "+OK joined group", "one can come back")
            try await b.expectReply("GROUPS", "+OK groups: \(g)")
        }
    }

    @Test("only members send, list members and read GHISTORY: -ERR not a member otherwise")
    func membersOnly() async throws {
        try await withCluster { cluster in
            let (a, _, _) = try await cluster.registeredClient()
            let (d, _, _) = try await cluster.registeredClient()
            let g = try await a.createGroup()
            _ = try await a.sendGroup(g, "members only")
            try await d.expectReply("SENDGROUP \(g) let me in", "-ERR not a member")
            try await d.expectReply("MEMBERS \(g)", "-ERR not a member")
            try await d.expectReply("GHISTORY \(g)", "-ERR not a member")
            try await d.expectReply("GHISTORY \(g) 0 10", "-ERR not a member")
            try await a.expectNoPush(wait: .milliseconds(100), "a refused SENDGROUP pushes nothing")
            try await d.expectEmptyPull("a refused SENDGROUP stores nothing for anyone")
        }
    }

    @Test("group command errors: usage, bad gid, no such group")
    func groupErrors() async throws {
        try await withCluster { cluster in
            let (a, _, _) = try await cluster.registeredClient()
            let g = try await a.createGroup()
            try await a.expectReply("CREATEGROUP", startsWith: "-ERR usage: CREATEGROUP")
            for command in ["JOINGROUP", "LEAVEGROUP", "MEMBERS", "GROUPINFO"] {
                try await a.expectReply(command, startsWith: "-ERR usage: \(command)")
                try await a.expectReply("\(command) \(g) \(g)", startsWith: "-ERR usage: \(command)")
                try await a.expectReply("\(command) abc", "-ERR bad gid")
                try await a.expectReply("\(command) 0", "-ERR bad gid")
                try await a.expectReply("\(command) -1", "-ERR bad gid")
                try await a.expectReply("\(command) 999999999", "-ERR no such group")
            }
            try await a.expectReply("SENDGROUP", startsWith: "-ERR usage: SENDGROUP")
            try await a.expectReply("SENDGROUP \(g)", startsWith: "-ERR usage: SENDGROUP", "no text")
            try await a.expectReply("SENDGROUP \(g) ", startsWith: "-ERR usage: SENDGROUP", "empty text")
            try await a.expectReply("SENDGROUP abc hi", "-ERR bad gid")
            try await a.expectReply("SENDGROUP 0 hi", "-ERR bad gid")
            try await a.expectReply("SENDGROUP 999999999 hi", "-ERR no such group")
            try await a.expectReply("GHISTORY", startsWith: "-ERR usage: GHISTORY")
            try await a.expectReply("GHISTORY abc", "-ERR bad gid")
            try await a.expectReply("GHISTORY 0", "-ERR bad gid")
            try await a.expectReply("GHISTORY 999999999", "-ERR no such group")
            try await a.expectReply("GHISTORY \(g) x", startsWith: "-ERR usage: GHISTORY", "before is not a number")
            try await a.expectReply("GHISTORY \(g) 5 x", startsWith: "-ERR usage: GHISTORY", "limit is not a number")
            try await a.expectReply("GROUPS", "+OK groups: \(g)", "no failed command joined or left anything")
            try await a.expectReply("MEMBERS \(g)", startsWith: "+OK members: ")
        }
    }

    @Test("friend and group commands answer -ERR not login before LOGIN and after LOGOUT")
    func notLoggedIn() async throws {
        try await withCluster { cluster in
            let (a, _, ua) = try await cluster.registeredClient()
            let g = try await a.createGroup()
            let fresh = try await cluster.client()
            let (loggedOut, _, _) = try await cluster.registeredClient()
            try await loggedOut.expectReply("LOGOUT", "+OK logout success")
            let commands = ["ADDFRIEND \(ua)", "REMOVEFRIEND \(ua)", "GETFRIENDS", "CREATEGROUP team", "JOINGROUP \(g)",
                            "LEAVEGROUP \(g)", "GROUPS", "MEMBERS \(g)", "GROUPINFO \(g)", "SENDGROUP \(g) hi",
                            "GHISTORY \(g)"]
            for (client, when) in [(fresh, "before LOGIN"), (loggedOut, "after LOGOUT")] {
                for command in commands {
                    try await client.expectReply(command, "-ERR not login", "\(when)")
                }
            }
            try await a.expectReply("MEMBERS \(g)", "+OK members: \(ua)", "nobody joined")
            try await a.expectReply("GETFRIENDS", "+OK friends: ", "nobody was added")
            try await a.expectNoPush(wait: .milliseconds(100), "nothing was sent")
        }
    }

    @Test("GHISTORY returns group messages oldest first, pages with before_msg_id and limit, and is members-only")
    func groupHistory() async throws {
        try await withCluster { cluster in
            let (a, _, ua) = try await cluster.registeredClient()
            let (b, _, ub) = try await cluster.registeredClient()
            let g = try await a.createGroup()
            let other = try await a.createGroup("other")
            try await b.joinGroup(g)
            var ids: [Int] = []
            for i in 0..<6 {
                let (sender, receiver) = i.isMultiple(of: 2) ? (a, b) : (b, a)
                ids.append(try await sender.sendGroup(g, "m\(i)  x"))
                let push = try await receiver.groupPush()  // taken now, so it cannot land among GHISTORY's lines
                #expect(intField(push, "id") == ids.last, "\(push)")
                if i == 2 {
                    _ = try await a.sendMessage(to: ub, "one to one, not in the group's history")
                    _ = try await b.push()
                    _ = try await a.sendGroup(other, "another group, not in this one's history")
                }
            }
            let (all, final) = try await a.multi("GHISTORY \(g)")
            #expect(final.hasPrefix("+OK history_done"), "GHISTORY \(g) ended with \(final)")
            #expect(all.map { intField($0, "id") } == ids, "every group message, oldest first: \(all)")
            for (line, i) in zip(all, 0..<6) {
                let ts = intField(line, "ts") ?? -1
                let from = i.isMultiple(of: 2) ? ua : ub
                #expect(line == "GMSG id=\(ids[i]) group=\(g) from=\(from) ts=\(ts) text=m\(i)  x")
            }
            let (ofB, _) = try await b.multi("GHISTORY \(g)")
            #expect(ofB == all, "every member sees the same history")

            let expectHistory = { (arguments: String, expected: [String], why: Comment) async throws in
                let (data, final) = try await a.multi("GHISTORY \(g) \(arguments)")
                #expect(final.hasPrefix("+OK history_done"), "GHISTORY \(g) \(arguments) ended with \(final)")
                #expect(data.map { field($0, "text") ?? $0 } == expected, why)
            }
            try await expectHistory("\(ids[5] + 100) 2", ["m4  x", "m5  x"], "limit 2: the last two")
            try await expectHistory("\(ids[3])", ["m0  x", "m1  x", "m2  x"], "before the 4th")
            try await expectHistory("\(ids[3]) 2", ["m1  x", "m2  x"], "before the 4th, limit 2")
            try await expectHistory("\(ids[0])", [], "nothing before the first")

            try await b.expectReply("LEAVEGROUP \(g)", "+OK left group")
            try await b.expectReply("GHISTORY \(g)", "-ERR not a member", "a member who left cannot read it")
        }
    }
}
