import TestSupport
import Testing

@Suite("Cluster: two gateways, one Redis, one SQLite file")
struct ClusterTests {
    @Test("a user on gateway 1 reaches a user on gateway 2 and back, by push, and nothing is left to PULL")
    func crossGatewayPushBothWays() async throws {
        try await withCluster(gateways: 2) { cluster in
            let (a, nameA, ua) = try await cluster.registeredClient(0)
            let (b, _, ub) = try await cluster.registeredClient(1)
            let a2 = try await cluster.client(1)
            let uidOnGateway2 = try await a2.login(nameA, device: "probe")
            #expect(uidOnGateway2 == ua, "an account made on gateway 1 logs in on gateway 2")
            try await a2.expectReply("LOGOUT", "+OK logout success")

            let there = try await a.sendMessage(to: ub, "over  there")
            let pushB = try await b.push()
            #expect(pushB.hasPrefix("MSG id=\(there) from=\(ua) ts="), "\(pushB)")
            #expect(field(pushB, "text") == "over  there")

            let back = try await b.sendMessage(to: ua, "and back")
            let pushA = try await a.push()
            #expect(pushA.hasPrefix("MSG id=\(back) from=\(ub) ts="), "\(pushA)")
            #expect(field(pushA, "text") == "and back")
            #expect(back > there, "msg_ids increase across gateways")

            try await b.expectEmptyPull("the receiver on gateway 2 PULLs nothing")
            try await a.expectEmptyPull("the receiver on gateway 1 PULLs nothing")
        }
    }

    @Test("a message sent on gateway 1 to an offline user is pulled on gateway 2")
    func offlineAcrossGateways() async throws {
        try await withCluster(gateways: 2) { cluster in
            let (a, _, _) = try await cluster.registeredClient(0)
            let (b, nameB, ub) = try await cluster.registeredClient(1)
            try await b.expectReply("LOGOUT", "+OK logout success")
            let id = try await a.sendMessage(to: ub, "while you were out")
            let b2 = try await cluster.client(1)
            try await b2.login(nameB)
            let data = try await b2.pull()
            #expect(data.map { intField($0, "id") } == [id], "\(data)")
            try await b.expectNoPush(wait: .milliseconds(100), "a logged-out session gets no push")
        }
    }

    @Test("sessions of one user on both gateways both get the push")
    func devicesOnBothGateways() async throws {
        try await withCluster(gateways: 2) { cluster in
            let (a, _, ua) = try await cluster.registeredClient(0)
            let (_, nameB, ub) = try await cluster.registeredClient(0)
            let phone = try await cluster.client(0)
            try await phone.login(nameB, device: "phone")
            let laptop = try await cluster.client(1)
            try await laptop.login(nameB, device: "laptop")
            let id = try await a.sendMessage(to: ub, "everywhere")
            for device in [phone, laptop] {
                let push = try await device.push()
                #expect(push.hasPrefix("MSG id=\(id) from=\(ua) "), "[\(device.label)] \(push)")
            }
        }
    }

    @Test("a gateway drops a garbage and a version-99 payload on its channel or stream, counts them, and delivers on")
    func unreadableBusPayloads() async throws {
        try await withCluster(gateways: 2) { cluster in
            let (a, _, ua) = try await cluster.registeredClient(0)
            let (b, _, ub) = try await cluster.registeredClient(1)
            let gateway2 = cluster.daemons[1]
            let http = try #require(await gateway2.httpPort())
            let before = try await ScrapedMetrics.scrape(port: http, into: cluster.directory)

            // Bytes that are no protobuf batch ('n' is a field of wire type 6), and a batch of
            // version 99 whose envelope, read as version 1, would kick b.
            let payloads = ["not protobuf", try Self.version99Kick(user: ub)]
            if DaemonConfig()["redis_queue", "mode"] == "stream" {
                for payload in payloads {
                    _ = try await cluster.redisCLI("XADD", "stream:gateway:\(gateway2.gatewayID)", "*", "envelope", payload)
                }
            } else {
                for payload in payloads {
                    #expect(try await cluster.redisCLI("PUBLISH", "gateway:\(gateway2.gatewayID)", payload) == ["1"])
                }
            }

            let id = try await a.sendMessage(to: ub, "still  here")
            let push = try await b.push()
            #expect(push.hasPrefix("MSG id=\(id) from=\(ua) ts="), "delivered, and b was not kicked: \(push)")
            #expect(field(push, "text") == "still  here")

            let after = try await ScrapedMetrics.scrape(port: http, into: cluster.directory)
            #expect(after.moved("mpim_bus_payloads_dropped_total", ["reason": "malformed"], since: before) == 1)
            #expect(after.moved("mpim_bus_payloads_dropped_total", ["reason": "version"], since: before) == 1)
            try await gateway2.logLine("warning", "dropped unreadable bus payloads", with: ["dropped=1", "reason=malformed"])
            #expect(gateway2.logLines("warning", "dropped unreadable bus payloads").count == 1,
                    "the second drop within the minute is counted, not logged")
            try await b.expectEmptyPull("the message was pushed, nothing is owed")
        }
    }

    /// `Batch{version: 99, envelopes: [Envelope{kick: Kick{user, device: "*", reason: "x"}}]}`
    /// (`bus.proto`), as a string redis-cli can pass: every byte is ASCII and none is NUL.
    static func version99Kick(user: Int) throws -> String {
        guard (1..<128).contains(user) else { throw TestFailure("uid \(user) does not fit one varint byte") }
        let kick: [UInt8] = [0x08, UInt8(user), 0x12, 0x01, UInt8(ascii: "*"), 0x1A, 0x01, UInt8(ascii: "x")]
        let envelope: [UInt8] = [0x12, UInt8(kick.count)] + kick
        let batch: [UInt8] = [0x08, 99, 0x12, UInt8(envelope.count)] + envelope
        return String(decoding: batch, as: UTF8.self)
    }

    @Test("an idle session stays reachable across gateways after its route TTL has passed")
    func idleSessionOutlivesRouteTTL() async throws {
        try await withCluster(gateways: 2, flags: ["--route-ttl", "2"]) { cluster in
            let (a, _, _) = try await cluster.registeredClient(0)
            let (b, _, ub) = try await cluster.registeredClient(1)
            try await Task.sleep(for: .seconds(5))
            let id = try await a.sendMessage(to: ub, "still there?")
            let push = try await b.push()
            #expect(push.hasPrefix("MSG id=\(id) "), "\(push)")
        }
    }
}
