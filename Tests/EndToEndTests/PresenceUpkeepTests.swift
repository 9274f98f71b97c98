import Foundation
import TestSupport
import Testing

@Suite("Presence: idle timeout, route refresh, dead gateways")
struct PresenceUpkeepTests {
    @Test("a session silent for idle_timeout (1.5 s) is KICKED reason=idle timeout and its friend told offline once; PING keeps a session open")
    func idleTimeout() async throws {
        var config = DaemonConfig()
        config["gateway", "idle_timeout"] = "1.5"
        try await withCluster(gateways: 2, config: config) { cluster in
            let (friend, _, uf) = try await cluster.registeredClient(1, prefix: "f")
            let keepFriend = friend.keepAlive()
            let (pinger, _, _) = try await cluster.registeredClient(0, prefix: "k")
            let keepPinger = pinger.keepAlive()
            let (user, name, uid) = try await cluster.registeredClient(0, prefix: "i")
            // From before its last line was sent: the server's silence starts
            // when that line arrives, and the reply may come late on a busy machine.
            let silentSince = ContinuousClock.now
            try await user.befriend(uf)

            try await user.expectKicked("idle timeout")
            let silence = ContinuousClock.now - silentSince
            #expect(silence > .milliseconds(1200), "kicked after \(silence) of silence, idle_timeout is 1.5 s")
            try await friend.expectPresence(uid, "offline", "after the idle timeout")
            let extra = try await friend.pushesNow(wait: .milliseconds(500))
            #expect(extra == [], "one offline for the idle timeout")

            try await Task.sleep(for: .milliseconds(800))  // the pinger has now been connected > 2 × idle_timeout
            keepFriend.cancel()
            keepPinger.cancel()
            _ = await (keepFriend.value, keepPinger.value)
            try await pinger.expectNoPush(wait: .milliseconds(10), "a session sending PING is not idle")
            try await pinger.expectReply("PING", "+OK pong")

            let back = try await cluster.client(0)
            try await back.login(name)
            try await friend.expectPresence(uid, "online", "after logging in again")
            try await friend.expectReply("WHO \(uid)", "+OK \(uid)=online")
        }
    }

    @Test("with --route-ttl 2, an idle user and a PINGing user stay reachable across gateways and online after 4.5 s")
    func liveSessionsRefreshTheirRoutes() async throws {
        var config = DaemonConfig()
        config["gateway", "idle_timeout"] = "60"
        try await withCluster(gateways: 2, config: config, flags: ["--route-ttl", "2"]) { cluster in
            let (sender, _, us) = try await cluster.registeredClient(0, prefix: "s")
            let (idle, _, ui) = try await cluster.registeredClient(1, prefix: "i")
            let (pinger, _, up) = try await cluster.registeredClient(1, prefix: "k")
            let pinging = pinger.keepAlive(every: .milliseconds(500))
            try await Task.sleep(for: .milliseconds(4500))
            pinging.cancel()
            _ = await pinging.value

            try await sender.expectReply("WHO \(ui) \(up)", "+OK \(ui)=online \(up)=online")
            for (client, uid) in [(idle, ui), (pinger, up)] {
                let id = try await sender.sendMessage(to: uid, "still there?")
                let push = try await client.push()
                #expect(push.hasPrefix("MSG id=\(id) from=\(us) "), "[\(client.label)] \(push)")
                try await client.expectEmptyPull()
            }
        }
    }

    @Test("a gateway killed with SIGKILL: its users read offline within 2 × heartbeat_ttl, friends are told, messages to them wait for PULL")
    func deadGatewayCleanup() async throws {
        var config = DaemonConfig()
        config["presence", "heartbeat_ttl"] = "1"
        config["presence", "heartbeat_interval"] = "0.3"
        try await withCluster(gateways: 2, config: config) { cluster in
            let (friend, _, uf) = try await cluster.registeredClient(0, prefix: "f")
            let (a, nameA, ua) = try await cluster.registeredClient(1, prefix: "a")
            let (b, _, ub) = try await cluster.registeredClient(1, prefix: "b")
            try await a.befriend(uf)
            try await b.befriend(uf)
            try await friend.expectReply("WHO \(ua) \(ub)", "+OK \(ua)=online \(ub)=online")
            #expect(try await cluster.redisKeyExists("route:\(ua)"))

            await cluster.daemons[1].kill()
            let killed = ContinuousClock.now
            try await a.waitClosed()

            let offline = "+OK \(ua)=offline \(ub)=offline"
            let who = try await pollWho(friend, [ua, ub], until: offline, within: .seconds(6))
            let took = ContinuousClock.now - killed
            #expect(who == offline, "WHO still answered \"\(who)\" \(took) after the SIGKILL")
            #expect(took <= .milliseconds(2500), "2 × heartbeat_ttl (1 s) + slack; WHO read offline only after \(took)")

            var presence: [String] = []
            while presence.count < 2 {
                let line = try await friend.push(timeout: .seconds(6) - (ContinuousClock.now - killed))
                presence.append(line)
            }
            #expect(Set(presence) == ["PRESENCE uid=\(ua) status=offline", "PRESENCE uid=\(ub) status=offline"],
                    "\(presence)")
            try await friend.expectNoPush(wait: .milliseconds(300), "each user is announced offline once")
            #expect(try await cluster.redisKeyExists("route:\(ua)") == false, "the dead gateway's routes are removed")

            let id = try await friend.sendMessage(to: ua, "while your gateway was down")
            let again = try await cluster.client(0)
            try await again.login(nameA)
            try await friend.expectPresence(ua, "online")
            let pulled = try await again.pull()
            #expect(pulled.count == 1 && pulled.first?.hasPrefix("MSG id=\(id) from=\(uf) ") == true,
                    "the message sent after the gateway died is pulled: \(pulled)")
        }
    }
}
