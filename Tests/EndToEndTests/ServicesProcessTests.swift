import Foundation
import TestSupport
import Testing

/// Users and Groups in a services process of their own (`mpimd --serve
/// users,groups`), called by the gateways over gRPC. These run split
/// whatever `MPIM_E2E_SPLIT` says; the rest of the suite runs split when it
/// is set.
@Suite("Services process")
struct ServicesProcessTests {
    @Test("two gateways share one services process: accounts, friends and groups made on one are seen on the other")
    func sharedServices() async throws {
        try await withCluster(gateways: 2, split: true) { cluster in
            let (a, nameA, ua) = try await cluster.registeredClient(0)
            let (b, _, ub) = try await cluster.registeredClient(1)
            #expect(try await b.cmd("USER \(nameA)") == "+OK uid=\(ua) name=\(nameA)")
            #expect(try await a.cmd("ADDFRIEND \(ub)") == "+OK friend added")
            #expect(try await b.cmd("GETFRIENDS") == "+OK friends: \(ua)")
            let created = try await a.cmd("CREATEGROUP crew the crew")
            let gid = try #require(intField(created, "group_id"))
            #expect(try await b.cmd("JOINGROUP \(gid)") == "+OK joined group")
            #expect(try await a.cmd("MEMBERS \(gid)") == "+OK members: \(min(ua, ub)),\(max(ua, ub))")
            // Messaging, in each gateway, was told of both memberships.
            #expect(try await a.cmd("SENDGROUP \(gid) hello crew").hasPrefix("+OK group_msg_id="))
            let pushed = try await b.push()
            #expect(pushed.hasPrefix("GMSG ") && pushed.hasSuffix("text=hello crew"), "\(pushed)")
            #expect(try await b.cmd("LEAVEGROUP \(gid)") == "+OK left group")
            #expect(try await b.cmd("SENDGROUP \(gid) still here?") == "-ERR not a member")
        }
    }

    @Test("while the services process is down, commands that need it answer -ERR unavailable within the deadline and /healthz reads degraded; once it is back they work again, the gateway never restarted")
    func servicesDown() async throws {
        try await withCluster(gateways: 1, split: true) { cluster in
            let services = try #require(cluster.services)
            let (a, _, ua) = try await cluster.registeredClient(prefix: "a")
            let (b, nameB, ub) = try await cluster.registeredClient(prefix: "b")
            _ = try await a.sendMessage(to: ub, "before")  // Messaging now knows that ub exists
            _ = try await b.push()

            let http = try #require(await cluster.daemons[0].httpPort())
            await services.kill()
            // The gateway's /healthz tells that a services process it calls does not answer.
            let degraded = try await eventually { try httpGet(port: http, path: "/healthz") } until: {
                $0.body.contains(#""status":"degraded""#)
            }
            #expect(degraded.status == 200)
            let fresh = try await cluster.client()
            for (client, line) in [(fresh, "LOGIN \(nameB) pw123 phone"), (a, "GETFRIENDS"), (a, "CREATEGROUP g"),
                                   (a, "ADDFRIEND \(ub)"), (a, "USER \(nameB)"), (fresh, "REGISTER \(uniqueName("n")) pw123")] {
                let start = ContinuousClock.now
                #expect(try await client.cmd(line) == "-ERR unavailable", "\(line)")
                let waited = ContinuousClock.now - start
                #expect(waited < .seconds(3), "\(line) answered after \(waited)")
            }
            // What lives in the gateway goes on: sessions, and messages to known recipients.
            #expect(try await a.cmd("PING") == "+OK pong")
            _ = try await a.sendMessage(to: ub, "during")
            #expect(try await b.push().hasSuffix("text=during"))

            try await services.start()
            let back = try await eventually(within: .seconds(10)) {
                try await fresh.cmd("LOGIN \(nameB) pw123 phone") == "+OK uid=\(ub)"
            }
            #expect(back, "LOGIN never worked again after the services process came back")
            _ = try await eventually { try httpGet(port: http, path: "/healthz") } until: {
                $0.body.contains(#""status":"ok""#)
            }
            #expect(try await a.cmd("ADDFRIEND \(ub)") == "+OK friend added")
            #expect(try await b.cmd("GETFRIENDS") == "+OK friends: \(ua)")
        }
    }
}

/// Whether `condition` holds within `limit`, asked every 100 ms.
private func eventually(within limit: Duration, _ condition: () async throws -> Bool) async throws -> Bool {
    let deadline = ContinuousClock.now + limit
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try await Task.sleep(for: .milliseconds(100))
    }
    return false
}
