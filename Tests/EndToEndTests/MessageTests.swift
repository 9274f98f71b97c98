import Foundation
import TestSupport
import Testing

@Suite("Messages")
struct MessageTests {
    @Test("an online recipient gets MSG id= from= ts= text= with the text kept exactly, and PULL returns nothing")
    func onlinePush() async throws {
        try await withCluster { cluster in
            let (a, _, ua) = try await cluster.registeredClient()
            let (b, _, ub) = try await cluster.registeredClient()
            let text = "hello  there, world =x text=y ünïcödé 世界"
            let reply = try await a.cmd("SEND \(ub) \(text)")
            #expect(reply.hasPrefix("+OK msg_id="))
            let id = try #require(intField(reply, "msg_id"))
            let push = try await b.push()
            let ts = try #require(intField(push, "ts"), "push \(push)")
            #expect(push == "MSG id=\(id) from=\(ua) ts=\(ts) text=\(text)")
            let now = Int(Date().timeIntervalSince1970 * 1000)
            #expect(abs(ts - now) < 60_000, "ts is unix milliseconds: \(ts) vs now \(now)")
            let (data, final) = try await b.multi("PULL")
            #expect(final.hasPrefix("+OK pull_done"))
            #expect(data.isEmpty, "a pushed message is not pulled again")
            try await a.expectNoPush(wait: .milliseconds(100), "the sender gets no echo")
        }
    }

    @Test("offline messages get unique increasing ids and are pulled once, in order")
    func offlineMessagesPulledOnce() async throws {
        try await withCluster { cluster in
            let (a, _, _) = try await cluster.registeredClient()
            let (b, nameB, ub) = try await cluster.registeredClient()
            try await b.expectReply("LOGOUT", "+OK logout success")
            b.close()
            var ids: [Int] = []
            for i in 0..<5 {
                ids.append(try await a.sendMessage(to: ub, "offline \(i)"))
            }
            #expect(ids == ids.sorted() && Set(ids).count == 5, "msg_ids unique and increasing: \(ids)")

            let b2 = try await cluster.client()
            try await b2.login(nameB)
            let (data, final) = try await b2.multi("PULL")
            #expect(final.hasPrefix("+OK pull_done"))
            #expect(data.map { intField($0, "id") } == ids, "PULL returns the offline messages in order: \(data)")
            #expect(data.map { field($0, "text") } == (0..<5).map { "offline \($0)" })
            #expect(data.allSatisfy { $0.hasPrefix("MSG id=") })
            try await b2.expectEmptyPull("a second PULL is empty")
        }
    }

    @Test("sending to oneself is allowed and pushed to one's own session")
    func sendToSelf() async throws {
        try await withCluster { cluster in
            let (a, _, ua) = try await cluster.registeredClient()
            let id = try await a.sendMessage(to: ua, "memo  to me")
            let push = try await a.push()
            #expect(push.hasPrefix("MSG id=\(id) from=\(ua) ts="))
            #expect(field(push, "text") == "memo  to me")
        }
    }

    @Test("pipelined SENDs in one write are answered in order, refusals in place, and pushed in order")
    func pipelinedSends() async throws {
        try await withCluster { cluster in
            let (a, _, _) = try await cluster.registeredClient()
            let (b, _, ub) = try await cluster.registeredClient()
            // 300 SENDs (more than one connection's send window), a refused one
            // in the middle and a PING after them, all in one write.
            var lines = (0..<300).map { "SEND \(ub) pipelined \($0)" }
            lines.insert("SEND 999999999 nobody", at: 150)
            lines.append("PING")
            try await a.sendRaw(lines.joined(separator: "\n") + "\n")
            var ids: [Int] = []
            for index in 0..<301 {
                let reply = try await a.reply(after: lines[index])
                if index == 150 {
                    #expect(reply == "-ERR no such user")
                } else {
                    ids.append(try #require(intField(reply, "msg_id"), "reply \(index): \(reply)"))
                }
            }
            #expect(try await a.reply(after: "PING") == "+OK pong", "a later command is answered after every send")
            #expect(ids == ids.sorted() && Set(ids).count == 300, "ids increase in command order")
            var pushed: [String] = []
            for _ in 0..<300 { pushed.append(try await b.push()) }
            #expect(pushed.map { intField($0, "id") } == ids, "pushes come in the order the sends were made")
            #expect(pushed.map { field($0, "text") } == (0..<300).map { "pipelined \($0)" })
            try await b.expectEmptyPull("every pushed message was recorded as delivered")
        }
    }

    @Test("SEND errors: no such user, bad uid, usage")
    func sendErrors() async throws {
        try await withCluster { cluster in
            let (a, _, ua) = try await cluster.registeredClient()
            try await a.expectReply("SEND 999999999 hi", "-ERR no such user")
            try await a.expectReply("SEND abc hi", "-ERR bad uid")
            try await a.expectReply("SEND 0 hi", "-ERR bad uid")
            try await a.expectReply("SEND -3 hi", "-ERR bad uid")
            try await a.expectReply("SEND 5", startsWith: "-ERR usage: SEND")
            try await a.expectReply("SEND", startsWith: "-ERR usage: SEND")
            try await a.expectReply("SEND \(ua) ", startsWith: "-ERR usage: SEND", "empty text is a usage error")
            try await a.expectNoPush(wait: .milliseconds(100), "nothing was stored or pushed")
            try await a.expectEmptyPull()
        }
    }

    @Test("HISTORY shows both directions of a conversation, oldest first")
    func historyBothDirections() async throws {
        try await withCluster { cluster in
            let (a, _, ua) = try await cluster.registeredClient()
            let (b, _, ub) = try await cluster.registeredClient()
            var ids: [Int] = []
            for i in 0..<3 {
                ids.append(try await a.sendMessage(to: ub, "a\(i)"))
                ids.append(try await b.sendMessage(to: ua, "b\(i)"))
            }
            // Take the three pushes each side got first, so none can arrive
            // in the middle of the HISTORY reply (the contract lets them interleave).
            for _ in 0..<3 {
                _ = try await a.push()
                _ = try await b.push()
            }
            for client in [a, b] {
                let peer = client === a ? ub : ua
                let (data, final) = try await client.multi("HISTORY \(peer)")
                #expect(final.hasPrefix("+OK history_done"))
                #expect(data.map { field($0, "text") } == ["a0", "b0", "a1", "b1", "a2", "b2"])
                #expect(data.map { intField($0, "id") } == ids)
                #expect(data.map { intField($0, "from") } == [ua, ub, ua, ub, ua, ub])
            }
        }
    }

    @Test("HISTORY with before_msg_id and limit returns the newest ones before it, oldest first")
    func historyPaging() async throws {
        try await withCluster { cluster in
            let (a, _, _) = try await cluster.registeredClient()
            let (_, _, ub) = try await cluster.registeredClient()
            var ids: [Int] = []
            for i in 0..<6 {
                ids.append(try await a.sendMessage(to: ub, "m\(i)"))
            }
            let expectHistory = { (arguments: String, expected: [String], why: Comment) async throws in
                let (data, final) = try await a.multi("HISTORY \(ub) \(arguments)")
                #expect(final.hasPrefix("+OK history_done"), "HISTORY \(ub) \(arguments) ended with \(final)")
                #expect(data.map { field($0, "text") ?? $0 } == expected, why)
            }
            try await expectHistory("\(ids[5] + 1) 2", ["m4", "m5"], "limit 2: the last two")
            try await expectHistory("\(ids[3])", ["m0", "m1", "m2"], "before the 4th")
            try await expectHistory("\(ids[3]) 2", ["m1", "m2"], "before the 4th, limit 2")
            try await expectHistory("\(ids[0])", [], "nothing before the first")
        }
    }

    @Test("HISTORY with a peer that is not a positive integer answers -ERR bad uid")
    func historyBadPeer() async throws {
        try await withCluster { cluster in
            let (a, _, _) = try await cluster.registeredClient()
            try await a.expectReply("HISTORY abc", "-ERR bad uid")
            try await a.expectReply("HISTORY 0", "-ERR bad uid")
            try await a.expectReply("HISTORY", startsWith: "-ERR usage: HISTORY")
        }
    }

    @Test("every device of the recipient gets the push")
    func everyDeviceGetsPush() async throws {
        try await withCluster { cluster in
            let (a, _, ua) = try await cluster.registeredClient()
            let (cli, nameB, ub) = try await cluster.registeredClient()
            let phone = try await cluster.client()
            let phoneUID = try await phone.login(nameB, device: "phone")
            #expect(phoneUID == ub)
            let laptop = try await cluster.client()
            let laptopUID = try await laptop.login(nameB, device: "laptop")
            #expect(laptopUID == ub)
            let id = try await a.sendMessage(to: ub, "to all devices")
            for device in [cli, phone, laptop] {
                let push = try await device.push()
                #expect(push.hasPrefix("MSG id=\(id) from=\(ua) ts="), "\(push)")
                #expect(field(push, "text") == "to all devices")
            }
            try await phone.expectEmptyPull("pushed, so not pulled")
        }
    }
}
