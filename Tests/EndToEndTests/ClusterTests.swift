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
