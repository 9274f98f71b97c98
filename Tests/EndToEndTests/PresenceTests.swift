import TestSupport
import Testing

@Suite("Presence: STATUS, WHO and PRESENCE pushes to friends")
struct PresenceTests {
    @Test("STATUS away reaches a friend on the other gateway as PRESENCE, WHO reads away, non-friends get nothing")
    func statusReachesFriendsOnly() async throws {
        try await withCluster(gateways: 2) { cluster in
            let (user, _, uid) = try await cluster.registeredClient(0, prefix: "p")
            let (friend, _, uf) = try await cluster.registeredClient(1, prefix: "f")
            let (strangerThere, _, _) = try await cluster.registeredClient(1, prefix: "n")
            let (strangerHere, _, _) = try await cluster.registeredClient(0, prefix: "n")
            try await user.befriend(uf)

            try await user.expectReply("STATUS away", "+OK status=away")
            try await friend.expectPresence(uid, "away")
            try await friend.expectReply("WHO \(uid)", "+OK \(uid)=away")
            try await strangerThere.expectReply("WHO \(uid)", "+OK \(uid)=away", "WHO answers anyone")

            try await user.expectReply("STATUS busy", "+OK status=busy")
            try await friend.expectPresence(uid, "busy")
            try await user.expectReply("STATUS busy", "+OK status=busy")
            try await friend.expectNoPush(wait: .milliseconds(300), "the same status again changes nothing others see")
            for stranger in [strangerThere, strangerHere] {
                try await stranger.expectNoPush(wait: .milliseconds(100), "[\(stranger.label)] non-friends get no PRESENCE")
            }
            try await user.expectNoPush(wait: .milliseconds(100), "the user gets no PRESENCE of their own")
        }
    }

    @Test("invisible: friends get offline, WHO reads offline, messages still arrive; back to online, friends get online")
    func invisible() async throws {
        try await withCluster(gateways: 2) { cluster in
            let (user, name, uid) = try await cluster.registeredClient(0, prefix: "p")
            let (friend, _, uf) = try await cluster.registeredClient(1, prefix: "f")
            let (stranger, _, _) = try await cluster.registeredClient(1, prefix: "n")
            try await user.befriend(uf)

            try await user.expectReply("STATUS invisible", "+OK status=invisible")
            try await friend.expectPresence(uid, "offline")
            try await friend.expectReply("WHO \(uid)", "+OK \(uid)=offline")
            try await stranger.expectReply("WHO \(uid)", "+OK \(uid)=offline")
            try await user.expectReply("WHO \(uid)", "+OK \(uid)=offline", "WHO shows a status as others see it")

            let id = try await friend.sendMessage(to: uid, "are you there?")
            let push = try await user.push()
            #expect(push.hasPrefix("MSG id=\(id) from=\(uf) "), "an invisible user still receives messages: \(push)")
            try await user.expectEmptyPull()

            try await user.expectReply("STATUS online", "+OK status=online")
            try await friend.expectPresence(uid, "online")
            try await friend.expectReply("WHO \(uid)", "+OK \(uid)=online")

            // An invisible user who leaves sends nothing: friends already see offline.
            try await user.expectReply("STATUS invisible", "+OK status=invisible")
            try await friend.expectPresence(uid, "offline")
            try await user.expectReply("QUIT", "+OK bye")
            try await user.waitClosed()
            try await friend.expectNoPush(wait: .milliseconds(500), "no second offline for an invisible user leaving")

            // Back, the status starts over as online.
            let again = try await cluster.client(0)
            try await again.login(name)
            try await friend.expectPresence(uid, "online")
            try await friend.expectReply("WHO \(uid)", "+OK \(uid)=online")
            try await stranger.expectNoPush(wait: .milliseconds(100), "the non-friend saw none of it")
        }
    }

    @Test("QUIT, a closed socket and LOGOUT each tell a friend offline exactly once, coming back tells online, a second device tells nothing")
    func offlineOnceOnlineOnce() async throws {
        try await withCluster(gateways: 2) { cluster in
            let (first, name, uid) = try await cluster.registeredClient(0, prefix: "p")
            let (friend, _, uf) = try await cluster.registeredClient(1, prefix: "f")
            try await first.befriend(uf)
            let quiet: Duration = .milliseconds(500)

            // QUIT.
            try await first.expectReply("QUIT", "+OK bye")
            try await first.waitClosed()
            try await friend.expectPresence(uid, "offline", "after QUIT")
            try await friend.expectNoPush(wait: quiet, "one offline for QUIT")
            try await friend.expectReply("WHO \(uid)", "+OK \(uid)=offline")

            // Back online, then a second device on the other gateway: nothing for the second device.
            let phone = try await cluster.client(0)
            try await phone.login(name, device: "phone")
            try await friend.expectPresence(uid, "online", "after LOGIN")
            try await friend.expectNoPush(wait: quiet, "one online for LOGIN")
            let laptop = try await cluster.client(1)
            try await laptop.login(name, device: "laptop")
            try await friend.expectNoPush(wait: quiet, "an extra device is not a status change")

            // One device leaving while another stays: nothing.
            try await laptop.expectReply("LOGOUT", "+OK logout success")
            try await friend.expectNoPush(wait: quiet, "the user is still online on the phone")
            try await friend.expectReply("WHO \(uid)", "+OK \(uid)=online")

            // The last session's socket closes.
            phone.close()
            try await friend.expectPresence(uid, "offline", "after the socket closed")
            try await friend.expectNoPush(wait: quiet, "one offline for a closed socket")

            // LOGOUT, on a connection that stays open; then LOGIN again on it.
            try await laptop.login(name, device: "laptop")
            try await friend.expectPresence(uid, "online", "after LOGIN on the logged-out connection")
            try await laptop.expectReply("LOGOUT", "+OK logout success")
            try await friend.expectPresence(uid, "offline", "after LOGOUT")
            try await friend.expectNoPush(wait: quiet, "one offline for LOGOUT")
            try await friend.expectReply("WHO \(uid)", "+OK \(uid)=offline")
            try await laptop.login(name)
            try await friend.expectPresence(uid, "online", "after LOGIN again")
            try await friend.expectNoPush(wait: quiet, "one online for LOGIN")
        }
    }

    @Test("WHO and STATUS: usage and errors, -ERR not login, statuses in the order asked")
    func whoAndStatusErrors() async throws {
        try await withCluster { cluster in
            let anonymous = try await cluster.client()
            try await anonymous.expectReply("STATUS away", "-ERR not login")
            try await anonymous.expectReply("WHO 1", "-ERR not login")

            let (c, _, uid) = try await cluster.registeredClient(prefix: "w")
            let (_, _, other) = try await cluster.registeredClient(prefix: "w")
            let statusUsage = "-ERR usage: STATUS <online|away|busy|invisible>"
            for line in ["STATUS", "STATUS sleeping", "STATUS offline", "STATUS away busy", "STATUS 1"] {
                try await c.expectReply(line, statusUsage)
            }
            try await c.expectReply("WHO", "-ERR usage: WHO <uid> [<uid> ...]")
            for line in ["WHO abc", "WHO 0", "WHO -3", "WHO \(uid) x", "WHO 1.5"] {
                try await c.expectReply(line, "-ERR bad uid")
            }

            try await c.expectReply("WHO \(uid)", "+OK \(uid)=online", "a logged-in user reads online")
            try await c.expectReply("WHO 999999", "+OK 999999=offline", "a uid with no session reads offline")
            try await c.expectReply("WHO 999999 \(other) \(uid)", "+OK 999999=offline \(other)=online \(uid)=online")
            for status in ["online", "away", "busy", "invisible"] {
                try await c.expectReply("STATUS \(status)", "+OK status=\(status)")
            }
            try await c.expectReply("WHO \(uid) \(other)", "+OK \(uid)=offline \(other)=online")
            try await c.expectReply("STATUS away", "+OK status=away")
            try await c.expectReply("WHO \(uid)", "+OK \(uid)=away")
            try await c.expectReply("PING", "+OK pong", "errors leave the session usable")
        }
    }
}
