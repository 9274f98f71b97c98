import TestSupport
import Testing

@Suite("Group fan-out")
struct GroupFanoutTests {
    @Test("""
        a group message reaches every online member on both gateways and the sender's other devices, \
        not the sending session, a non-member or a member who left; an offline member pulls it once, \
        in msg_id order with 1:1 messages
        """)
    func fanoutAcrossTwoGateways() async throws {
        try await withCluster(gateways: 2) { cluster in
            let (a, nameA, ua) = try await cluster.registeredClient(0, prefix: "a")
            let tablet = try await cluster.client(0)
            try await tablet.login(nameA, device: "tablet")
            let phone = try await cluster.client(1)
            try await phone.login(nameA, device: "phone")
            let (b, _, ub) = try await cluster.registeredClient(0, prefix: "b")
            let (c, _, uc) = try await cluster.registeredClient(1, prefix: "c")
            let (d, nameD, ud) = try await cluster.registeredClient(1, prefix: "d")
            let (e, _, _) = try await cluster.registeredClient(1, prefix: "e")
            let (f, _, uf) = try await cluster.registeredClient(1, prefix: "f")

            let g = try await a.createGroup("both", description: "spans two gateways")
            for member in [b, c, d, f] {
                try await member.joinGroup(g)
            }
            try await e.expectReply("MEMBERS \(g)", "-ERR not a member")
            try await c.expectReply("MEMBERS \(g)", "+OK members: \(idList([ua, ub, uc, ud, uf]))",
                                    "the membership is seen from the other gateway")
            try await d.expectReply("LOGOUT", "+OK logout success")
            d.close()

            let before = try await a.sendMessage(to: ud, "one to one before")
            let first = try await a.sendGroup(g, "hello  both gateways")
            let after = try await b.sendMessage(to: ud, "one to one after")
            #expect(before < first && first < after, "1:1 and group msg_ids share one increasing sequence")

            for device in [tablet, phone] {
                let copy = try await device.groupPush()
                #expect(copy.hasPrefix("SENT id=\(before) to=\(ud) "), "[\(device.label)] the 1:1 message's copy: \(copy)")
            }
            var firstTS = -1
            for member in [tablet, phone, b, c, f] {
                let push = try await member.groupPush()
                firstTS = intField(push, "ts") ?? -1
                #expect(push == "GMSG id=\(first) group=\(g) from=\(ua) ts=\(firstTS) text=hello  both gateways",
                        "[\(member.label)] \(push)")
            }
            try await a.expectNoMessagePush("the sending session gets no echo")
            for member in [tablet, phone, b, c, f] {
                let more = try await member.messagePushesNow(wait: .zero)
                #expect(more == [], "[\(member.label)] the GMSG is pushed exactly once")
            }
            try await e.expectNoMessagePush(wait: .zero, "a non-member gets nothing")

            try await f.expectReply("LEAVEGROUP \(g)", "+OK left group")
            let second = try await c.sendGroup(g, "from gateway 2, after f left")
            #expect(second > after)
            for member in [a, tablet, phone, b] {
                let push = try await member.groupPush()
                #expect(push.hasPrefix("GMSG id=\(second) group=\(g) from=\(uc) ts="), "[\(member.label)] \(push)")
                #expect(field(push, "text") == "from gateway 2, after f left", "[\(member.label)]")
            }
            try await c.expectNoMessagePush("the sending session on gateway 2 gets no echo")
            try await f.expectNoMessagePush(wait: .zero, "a member who left gets nothing later")
            try await e.expectNoMessagePush(wait: .zero, "a non-member gets nothing")

            let d2 = try await cluster.client(1)
            try await d2.login(nameD)
            let pulled = try await d2.pull()
            #expect(pulled.map { intField($0, "id") } == [before, first, after, second],
                    "the offline member pulls 1:1 and group messages together, in msg_id order: \(pulled)")
            #expect(pulled.count == 4 && pulled[1] == "GMSG id=\(first) group=\(g) from=\(ua) ts=\(firstTS) text=hello  both gateways",
                    "\(pulled)")
            #expect(pulled.count == 4 && pulled[3].hasPrefix("GMSG id=\(second) group=\(g) from=\(uc) "), "\(pulled)")
            try await d2.expectEmptyPull("a second PULL is empty")
            try await d2.expectNoMessagePush(wait: .zero, "pulled, so not pushed as well")
            try await f.expectEmptyPull("the member who left pulls nothing of the later message")
            try await e.expectEmptyPull("the non-member pulls nothing")
            try await b.expectEmptyPull("pushed, so not pulled")
        }
    }

    @Test("""
        a member on the other gateway who logs out pulls the group messages sent meanwhile, and once \
        logged in again gets the very next one pushed
        """)
    func memberComingAndGoingOnTheOtherGateway() async throws {
        try await withCluster(gateways: 2) { cluster in
            let (a, _, ua) = try await cluster.registeredClient(0)
            let (d, nameD, _) = try await cluster.registeredClient(1)
            let g = try await a.createGroup("back")
            try await d.joinGroup(g)
            let first = try await a.sendGroup(g, "while d is online")
            let pushedFirst = try await d.groupPush()
            #expect(intField(pushedFirst, "id") == first, "\(pushedFirst)")

            try await d.expectReply("LOGOUT", "+OK logout success")
            let whileAway = try await a.sendGroup(g, "while d is away")
            try await d.expectNoMessagePush("a logged-out connection gets no push")

            let back = try await cluster.client(1)
            try await back.login(nameD, device: "phone")
            let next = try await a.sendGroup(g, "right after d is back")
            let pushedNext = try await back.groupPush()
            #expect(pushedNext.hasPrefix("GMSG id=\(next) group=\(g) from=\(ua) "),
                    "the message sent right after the login is pushed: \(pushedNext)")
            let pulled = try await back.pull()
            #expect(pulled.map { intField($0, "id") } == [whileAway],
                    "PULL returns just what was sent while away: \(pulled)")
            try await back.expectEmptyPull("a second PULL is empty")
        }
    }

    @Test("a group of 200 connected members: all 199 others get exactly the one GMSG")
    func twoHundredMembers() async throws {
        try await withCluster { cluster in
            let members = try await cluster.concurrently(0..<200) { _ in
                try await cluster.registeredClient(prefix: "m")
            }
            let (sender, _, senderUID) = members[0]
            let g = try await sender.createGroup("crowd")
            _ = try await cluster.concurrently(1..<200) { i in
                try await members[i].client.joinGroup(g)
            }
            try await sender.expectReply("MEMBERS \(g)",
                                         "+OK members: \(idList(members.map(\.uid)))")
            let info = try await sender.cmd("GROUPINFO \(g)")
            #expect(intField(info, "members") == 200, "\(info)")

            let id = try await sender.sendGroup(g, "to all  two hundred", timeout: .seconds(10))
            let pushes = try await cluster.concurrently(1..<200, width: 200) { i in
                try await members[i].client.groupPush(timeout: .seconds(10))
            }
            let ts = intField(pushes[0], "ts") ?? -1
            let expected = "GMSG id=\(id) group=\(g) from=\(senderUID) ts=\(ts) text=to all  two hundred"
            let wrong = pushes.enumerated().filter { $0.element != expected }
            #expect(wrong.isEmpty, "\(wrong.count) members got another push than \"\(expected)\", e.g. \(wrong.prefix(3))")

            try await sender.expectNoMessagePush("the sending session gets no echo")
            let extra = try await cluster.concurrently(1..<200, width: 200) { i in
                try await members[i].client.messagePushesNow(wait: .zero)
            }.joined()
            #expect(extra.isEmpty, "each member got it exactly once; extra pushes: \(Array(extra.prefix(3)))")
        }
    }
}
