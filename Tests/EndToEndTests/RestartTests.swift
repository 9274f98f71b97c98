import TestSupport
import Testing

@Suite("Restarts")
struct RestartTests {
    @Test("after a graceful restart accounts log in, offline messages are pulled and new msg_ids are greater")
    func gracefulRestart() async throws {
        try await withCluster { cluster in
            let (a, nameA, _) = try await cluster.registeredClient()
            let (b, nameB, ub) = try await cluster.registeredClient()
            try await b.expectReply("LOGOUT", "+OK logout success")
            var ids: [Int] = []
            for i in 0..<3 {
                ids.append(try await a.sendMessage(to: ub, "before restart \(i)"))
            }

            try await cluster.daemons[0].restart()
            try await a.waitClosed()

            let a2 = try await cluster.client()
            try await a2.login(nameA)
            let b2 = try await cluster.client()
            try await b2.login(nameB)
            let data = try await b2.pull()
            #expect(data.map { intField($0, "id") } == ids, "\(data)")
            #expect(data.map { field($0, "text") } == (0..<3).map { "before restart \($0)" })
            let newID = try await a2.sendMessage(to: ub, "after restart")
            #expect(newID > ids.max()!, "msg_ids keep increasing across restarts")
            let pushAfterRestart = try await b2.push()
            #expect(field(pushAfterRestart, "text") == "after restart")
        }
    }

    @Test("after SIGKILL every message that got +OK msg_id= is pulled")
    func sigkillKeepsAcknowledgedMessages() async throws {
        try await withCluster { cluster in
            let (a, _, _) = try await cluster.registeredClient()
            let (b, nameB, ub) = try await cluster.registeredClient()
            try await b.expectReply("LOGOUT", "+OK logout success")
            try await a.sendRaw((0..<50).map { "SEND \(ub) durable \($0)\n" }.joined())
            var ids: [Int] = []
            for i in 0..<50 {
                let reply = try await a.reply(after: " to SEND durable \(i)")
                let id = try #require(intField(reply, "msg_id"), "SEND durable \(i) answered \(reply)")
                ids.append(id)
            }
            await cluster.daemons[0].kill()
            try await cluster.daemons[0].start()

            let b2 = try await cluster.client()
            try await b2.login(nameB)
            let pulled = try await b2.pull().compactMap { intField($0, "id") }
            #expect(pulled == ids, "every acknowledged message is pulled, in order")
            let a2 = try await cluster.client()
            try await a2.register()
            let idAfterKill = try await a2.sendMessage(to: ub, "after kill")
            #expect(idAfterKill > ids.max()!, "msg_ids keep increasing after SIGKILL")
        }
    }

    @Test("after Redis restarts under two daemons, cross-gateway delivery recovers and nothing is lost")
    func redisRestartUnderRunningDaemons() async throws {
        try await withCluster(gateways: 2, flags: ["--route-ttl", "6"]) { cluster in
            let (a, _, _) = try await cluster.registeredClient(0)
            let (b, _, ub) = try await cluster.registeredClient(1)
            _ = try await a.sendMessage(to: ub, "before")
            let before = try await b.push()
            #expect(field(before, "text") == "before")

            await cluster.redis.stop()
            var sent: [Int] = []
            for i in 0..<3 {  // an outage of a second or more, with sends all through it
                sent.append(try await a.sendMessage(to: ub, "during outage \(i)", timeout: .seconds(10)))
                try await Task.sleep(for: .milliseconds(400))
            }
            try await cluster.redis.restart()

            // Send fresh messages until one is pushed across gateways again.
            let (probes, pushed) = try await b.probeUntilPushed { text in
                try await a.sendMessage(to: ub, text, timeout: .seconds(10))
            }
            try await b.expectDeliveredOnce(sent + probes, pushedSoFar: pushed)
        }
    }
}
