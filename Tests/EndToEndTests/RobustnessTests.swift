import TestSupport
import Testing

@Suite("Robustness")
struct RobustnessTests {
    @Test("a pipelined burst of 200 SEND+PING gets 400 replies in order and 200 pushes in order")
    func pipelinedBurst() async throws {
        try await withCluster { cluster in
            let (a, _, _) = try await cluster.registeredClient()
            let (b, _, ub) = try await cluster.registeredClient()
            try await a.sendRaw((0..<200).map { "SEND \(ub) n\($0)\nPING\n" }.joined())
            var ids: [Int] = []
            for i in 0..<200 {
                let sent = try await a.reply(after: " to SEND n\(i)")
                let pong = try await a.reply(after: " to the PING after n\(i)")
                #expect(sent.hasPrefix("+OK msg_id=") && pong == "+OK pong", "replies \(i): \(sent) / \(pong)")
                ids.append(intField(sent, "msg_id") ?? -1)
            }
            #expect(ids == ids.sorted() && Set(ids).count == 200, "msg_ids unique and increasing")
            var texts: [String] = []
            for _ in 0..<200 {
                texts.append(field(try await b.push(), "text") ?? "?")
            }
            #expect(texts == (0..<200).map { "n\($0)" }, "pushes in send order")
        }
    }

    @Test("lines over max_lines_per_second answer -ERR rate limited in place; only the accepted SENDs are stored and pushed")
    func rateLimitedSends() async throws {
        var config = DaemonConfig()
        config["gateway", "max_lines_per_second"] = "5"
        try await withCluster(config: config) { cluster in
            let (a, _, ua) = try await cluster.registeredClient()
            let (b, _, ub) = try await cluster.registeredClient()
            // One write: the bucket holds 5 lines a second and REGISTER took one.
            try await a.sendRaw((0..<12).map { "SEND \(ub) n\($0)\n" }.joined())
            var accepted: [String] = []
            var refused = 0
            for i in 0..<12 {
                let reply = try await a.reply(after: " to SEND n\(i)")
                if reply.hasPrefix("+OK msg_id=") {
                    accepted.append("n\(i)")
                } else {
                    #expect(reply == "-ERR rate limited", "reply \(i): \(reply)")
                    refused += 1
                }
            }
            #expect((1...5).contains(accepted.count) && refused == 12 - accepted.count,
                    "accepted \(accepted), refused \(refused)")
            var pushed: [String] = []
            for _ in accepted {
                pushed.append(field(try await b.push(), "text") ?? "?")
            }
            #expect(pushed == accepted, "the accepted sends, in order")
            try await b.expectNoPush(wait: .milliseconds(300), "a refused SEND is not delivered")
            try await b.expectEmptyPull("nothing refused was stored for b")
            let (history, final) = try await b.multi("HISTORY \(ua)")
            #expect(final.hasPrefix("+OK"), "HISTORY: \(final)")
            #expect(history.map { field($0, "text") ?? "?" } == accepted, "stored: the accepted sends only")
        }
    }

    @Test("a 70 KiB line answers -ERR line too long and the connection closes")
    func overlongLine() async throws {
        try await withCluster { cluster in
            let c = try await cluster.client()
            try await c.sendRaw([UInt8](repeating: UInt8(ascii: "X"), count: 70 * 1024) + [UInt8(ascii: "\n")])
            try await c.expectNextReply("-ERR line too long")
            try await c.waitClosed()
            let d = try await cluster.client()
            try await d.expectReply("PING", "+OK pong", "the server goes on")
        }
    }

    @Test("a line of 64 KiB - 1 bytes is accepted and answered normally")
    func longestLineAccepted() async throws {
        try await withCluster { cluster in
            let c = try await cluster.client()
            try await c.sendRaw([UInt8](repeating: UInt8(ascii: "X"), count: 64 * 1024 - 1) + [UInt8(ascii: "\n")])
            try await c.expectNextReply("-ERR unknown cmd")
            try await c.expectReply("PING", "+OK pong", "the connection stays open")

            let (a, _, ua) = try await cluster.registeredClient()
            let text = String(repeating: "y", count: 64 * 1024 - 1 - "SEND \(ua) ".utf8.count)
            let id = try await a.sendMessage(to: ua, text)
            let push = try await a.push()
            #expect(push.hasPrefix("MSG id=\(id) "))
            #expect(field(push, "text") == text, "a 64 KiB message arrives whole")
        }
    }

    @Test("a line that is not UTF-8 answers -ERR invalid utf-8 and the session goes on")
    func invalidUTF8() async throws {
        try await withCluster { cluster in
            let c = try await cluster.client()
            try await c.sendRaw(Array("PING ".utf8) + [0xFF, 0xFE, UInt8(ascii: "\n")])
            try await c.expectNextReply("-ERR invalid utf-8")
            try await c.expectReply("PING", "+OK pong")
            let (a, _, ua) = try await cluster.registeredClient()
            try await a.sendRaw(Array("SEND \(ua) bad ".utf8) + [0xC3, 0x28, UInt8(ascii: "\n")])
            try await a.expectNextReply("-ERR invalid utf-8")
            try await a.expectNoPush(wait: .milliseconds(100), "the invalid SEND stored nothing")
            try await a.expectReply("PING", "+OK pong")
        }
    }

    @Test("a client holding a partial line does not hold up other clients")
    func partialLineDoesNotBlockOthers() async throws {
        try await withCluster { cluster in
            let slow = try await cluster.client()
            try await slow.sendRaw("PI")
            let (a, _, _) = try await cluster.registeredClient()
            let (b, _, ub) = try await cluster.registeredClient()
            try await slow.sendRaw("N")
            try await a.expectReply("PING", "+OK pong")
            _ = try await a.sendMessage(to: ub, "still flowing")
            let flowing = try await b.push()
            #expect(field(flowing, "text") == "still flowing")
            try await slow.sendRaw("G\n")
            try await slow.expectNextReply("+OK pong", "the three pieces made one line, PING")
        }
    }
}
