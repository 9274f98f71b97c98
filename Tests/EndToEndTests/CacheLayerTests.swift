import Foundation
import TestSupport
import Testing

/// The Redis cache in front of users and groups: reads right after writes are
/// fresh on every gateway, reads fill the cache, and the daemon answers from
/// SQLite while Redis is down or stalled.
@Suite("Cache layer")
struct CacheLayerTests {
    @Test("MEMBERS, GROUPINFO and GETFRIENDS right after a write on the other gateway show the change")
    func readsAfterWritesAreFresh() async throws {
        try await withCluster(gateways: 2) { cluster in
            let (a, _, ua) = try await cluster.registeredClient(0)
            let (b, _, ub) = try await cluster.registeredClient(1)
            let (c, _, uc) = try await cluster.registeredClient(1)
            let g = try await a.createGroup("fresh")
            for round in 1...3 {
                try await a.expectReply("MEMBERS \(g)", "+OK members: \(ua)", "round \(round): before the join")
                let infoBefore = try await a.cmd("GROUPINFO \(g)")
                #expect(intField(infoBefore, "members") == 1, "round \(round): \(infoBefore)")
                try await c.expectReply("JOINGROUP \(g)", "+OK joined group")
                try await a.expectReply("MEMBERS \(g)", "+OK members: \(ua),\(uc)", "round \(round): right after the join")
                let infoAfter = try await a.cmd("GROUPINFO \(g)")
                #expect(intField(infoAfter, "members") == 2, "round \(round): right after the join: \(infoAfter)")
                try await c.expectReply("MEMBERS \(g)", "+OK members: \(ua),\(uc)", "round \(round): on the joiner's gateway")
                try await c.expectReply("LEAVEGROUP \(g)", "+OK left group")
                try await a.expectReply("MEMBERS \(g)", "+OK members: \(ua)", "round \(round): right after the leave")
                let infoLeft = try await a.cmd("GROUPINFO \(g)")
                #expect(intField(infoLeft, "members") == 1, "round \(round): right after the leave: \(infoLeft)")
                try await c.expectReply("GROUPS", "+OK groups: ", "round \(round)")
            }
            for round in 1...3 {
                try await a.expectReply("GETFRIENDS", "+OK friends: ", "round \(round): before ADDFRIEND")
                try await b.expectReply("GETFRIENDS", "+OK friends: ", "round \(round): before ADDFRIEND")
                try await a.expectReply("ADDFRIEND \(ub)", "+OK friend added")
                try await b.expectReply("GETFRIENDS", "+OK friends: \(ua)", "round \(round): the other side, other gateway")
                try await a.expectReply("GETFRIENDS", "+OK friends: \(ub)", "round \(round): right after ADDFRIEND")
                try await b.expectReply("REMOVEFRIEND \(ua)", "+OK friend removed")
                try await a.expectReply("GETFRIENDS", "+OK friends: ", "round \(round): right after REMOVEFRIEND")
                try await b.expectReply("GETFRIENDS", "+OK friends: ", "round \(round): right after REMOVEFRIEND")
            }
        }
    }

    @Test("reads fill the cache: user:info, user:friends, group:info and group:members keys exist in Redis")
    func readsFillTheCache() async throws {
        try await withCluster { cluster in
            let (a, nameA, ua) = try await cluster.registeredClient()
            let (_, _, ub) = try await cluster.registeredClient()
            try await a.expectReply("ADDFRIEND \(ub)", "+OK friend added")
            let g = try await a.createGroup("cached")

            let again = try await cluster.client()
            try await again.login(nameA, device: "laptop")
            #expect(try await cluster.redisKeyExists("user:info:\(nameA)"), "after LOGIN")
            try await a.expectReply("GETFRIENDS", "+OK friends: \(ub)")
            #expect(try await cluster.redisKeyExists("user:friends:\(ua)"), "after GETFRIENDS")
            try await a.expectReply("MEMBERS \(g)", "+OK members: \(ua)")
            #expect(try await cluster.redisKeyExists("group:members:\(g)"), "after MEMBERS")
            _ = try await a.expectReply("GROUPINFO \(g)", startsWith: "+OK group_id=\(g) ")
            #expect(try await cluster.redisKeyExists("group:info:\(g)"), "after GROUPINFO")

            try await a.expectReply("GETFRIENDS", "+OK friends: \(ub)", "read again, from the cache")
            try await a.expectReply("MEMBERS \(g)", "+OK members: \(ua)", "read again, from the cache")
        }
    }

    @Test("""
        with Redis stopped, logged-in sessions still get GETFRIENDS, MEMBERS, GROUPINFO and SENDGROUP, \
        with the push to a member on the same gateway; after Redis restarts, fan-out across gateways \
        and the cache work again and nothing is delivered twice
        """)
    func redisDown() async throws {
        try await withCluster(gateways: 2, flags: ["--route-ttl", "6"]) { cluster in
            let (a, _, ua) = try await cluster.registeredClient(0)
            let (b, _, ub) = try await cluster.registeredClient(0)
            let (d, _, ud) = try await cluster.registeredClient(0)
            let (c, _, uc) = try await cluster.registeredClient(1)
            try await a.expectReply("ADDFRIEND \(ub)", "+OK friend added")
            let g = try await a.createGroup("outage", description: "survives redis")
            try await b.joinGroup(g)
            try await c.joinGroup(g)
            let members = idList([ua, ub, uc])
            try await a.expectReply("GETFRIENDS", "+OK friends: \(ub)")
            try await a.expectReply("MEMBERS \(g)", "+OK members: \(members)")
            _ = try await a.sendGroup(g, "before")
            #expect(field(try await c.groupPush(), "text") == "before", "cross-gateway fan-out works at first")
            #expect(field(try await b.groupPush(), "text") == "before")

            await cluster.redis.stop()
            let slow: Duration = .seconds(10)
            try await a.expectReply("GETFRIENDS", "+OK friends: \(ub)", timeout: slow, "Redis down")
            try await b.expectReply("GETFRIENDS", "+OK friends: \(ua)", timeout: slow, "Redis down, never cached for b")
            try await a.expectReply("MEMBERS \(g)", "+OK members: \(members)", timeout: slow, "Redis down")
            let info = try await a.cmd("GROUPINFO \(g)", timeout: slow)
            expectGroupInfo(info, gid: g, name: "outage", creator: ua, members: 3, description: "survives redis")
            let sent = [try await a.sendGroup(g, "during outage", timeout: slow)]
            let inProcess = try await b.groupPush(timeout: slow)
            #expect(inProcess.hasPrefix("GMSG id=\(sent[0]) group=\(g) from=\(ua) "),
                    "the member on the sender's gateway gets the push with Redis down: \(inProcess)")
            try await d.expectReply("JOINGROUP \(g)", "+OK joined group", timeout: slow, "Redis down")
            let withD = idList([ua, ub, uc, ud])
            try await a.expectReply("MEMBERS \(g)", "+OK members: \(withD)", timeout: slow, "Redis down, after a join")
            try await cluster.redis.restart()

            // Send fresh group messages until one is pushed across gateways again.
            let (probes, pushedToC) = try await c.probeUntilPushed { text in
                try await a.sendGroup(g, text, timeout: slow)
            }
            try await c.expectDeliveredOnce(sent + probes, pushedSoFar: pushedToC)

            // The cache's own connection comes back on its own schedule (its
            // reconnect backoff), maybe after the bus's: a read fills it once it is.
            try await eventually("the cache is filled again after Redis restarts") {
                guard (try? await a.cmd("GETFRIENDS")) == "+OK friends: \(ub)" else { return false }
                return (try? await cluster.redisKeyExists("user:friends:\(ua)")) == true
            }
            try await c.expectReply("LEAVEGROUP \(g)", "+OK left group")
            try await a.expectReply("MEMBERS \(g)", "+OK members: \(idList([ua, ub, ud]))",
                                    "fresh after Redis restarts")
        }
    }

    @Test("a write while Redis is stalled is not hidden by the entry cached before, once Redis answers again")
    func writeWhileRedisStalled() async throws {
        try await withCluster { cluster in
            let (a, _, ua) = try await cluster.registeredClient()
            let (b, _, ub) = try await cluster.registeredClient()
            let g = try await a.createGroup("stall")
            try await a.expectReply("GETFRIENDS", "+OK friends: ")
            try await b.expectReply("GETFRIENDS", "+OK friends: ")
            try await a.expectReply("MEMBERS \(g)", "+OK members: \(ua)")
            let infoBefore = try await a.cmd("GROUPINFO \(g)")
            #expect(intField(infoBefore, "members") == 1, "\(infoBefore)")
            #expect(try await cluster.redisKeyExists("group:members:\(g)"), "cached before the stall")

            cluster.redis.send(SIGSTOP)
            defer { cluster.redis.send(SIGCONT) }
            let slow: Duration = .seconds(15)
            try await a.expectReply("ADDFRIEND \(ub)", "+OK friend added", timeout: slow, "Redis stalled")
            try await b.expectReply("JOINGROUP \(g)", "+OK joined group", timeout: slow, "Redis stalled")
            cluster.redis.send(SIGCONT)

            try await a.expectReply("GETFRIENDS", "+OK friends: \(ub)", timeout: slow, "after the stall")
            try await b.expectReply("GETFRIENDS", "+OK friends: \(ua)", timeout: slow, "after the stall")
            try await a.expectReply("MEMBERS \(g)", "+OK members: \(ua),\(ub)", timeout: slow, "after the stall")
            let infoAfter = try await a.cmd("GROUPINFO \(g)", timeout: slow)
            #expect(intField(infoAfter, "members") == 2, "after the stall: \(infoAfter)")
        }
    }
}
