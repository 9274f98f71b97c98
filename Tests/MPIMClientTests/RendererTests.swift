import MPIMClient
@testable import mpim
import Testing

@Suite("rendering pushes and replies (plain)")
struct RendererTests {
    private var renderer: Renderer {
        var renderer = Renderer(color: false)
        renderer.formatTime = { "t\($0)" }
        renderer.now = { 99 }
        renderer.names = [1: "alice", 2: "bob"]
        renderer.me = 1
        return renderer
    }

    @Test("pushes show time and sender by name; own messages read you; a uid without a name reads user N")
    func pushes() throws {
        let msg = try #require(ServerPush(line: "MSG id=5 from=2 ts=1000 text=hi  there"))
        #expect(renderer.push(msg) == "[t1000] bob: hi  there")
        let own = try #require(ServerPush(line: "MSG id=6 from=1 ts=1001 text=me"))
        #expect(renderer.push(own) == "[t1001] you: me")
        let gmsg = try #require(ServerPush(line: "GMSG id=7 group=3 from=2 ts=1002 text=all"))
        #expect(renderer.push(gmsg) == "[t1002] [group 3] bob: all")
        let stranger = try #require(ServerPush(line: "MSG id=8 from=9 ts=1003 text=who am i"))
        #expect(renderer.push(stranger) == "[t1003] user 9: who am i")
        #expect(renderer.push(.presence(uid: 2, status: "away")) == "[t99] * bob is away")
    }

    @Test("an admin broadcast (from=0) comes from the server")
    func broadcast() throws {
        let push = try #require(ServerPush(line: "MSG id=9 from=0 ts=1004 text=maintenance at noon"))
        #expect(renderer.push(push) == "[t1004] server: maintenance at noon")
    }

    @Test("a SENT copy from another device reads as sent by you, to whom")
    func sentCopy() throws {
        let push = try #require(ServerPush(line: "SENT id=10 to=2 ts=1005 text=from my phone"))
        #expect(push == .sent(SentMessage(id: 10, to: 2, timestamp: 1005, text: "from my phone")))
        #expect(renderer.push(push) == "[t1005] you → bob: from my phone")
        #expect(push.mentionedUIDs == [2])
    }

    @Test("a kick by another login says so plainly, naming the device; other kicks say the reason")
    func kicks() {
        var r = renderer
        #expect(r.push(.kicked(reason: "duplicate login"))
                == "[t99] ! signed in on another cli device; signed out here (/login to sign in here again)")
        r.device = "phone"
        #expect(r.push(.kicked(reason: "duplicate login"))
                == "[t99] ! signed in on another phone device; signed out here (/login to sign in here again)")
        #expect(r.push(.kicked(reason: "too many devices"))
                == "[t99] ! signed out here: too many other devices signed in (/login to sign in here again)")
        #expect(r.push(.kicked(reason: "idle timeout")) == "[t99] ! kicked by the server: idle timeout")
        // The sign-out needs no second line; a drop says it reconnects.
        let server = "127.0.0.1:8000"
        #expect(r.event(.disconnected(reason: "kicked: duplicate login", kick: .signedOut(reason: "duplicate login"),
                                      loginAgain: false), server: server) == [])
        #expect(r.event(.disconnected(reason: "kicked: server shutdown", kick: .dropped(reason: "server shutdown"),
                                      loginAgain: true), server: server)
                == ["* disconnected (kicked: server shutdown); reconnecting and logging in again"])
    }

    @Test("plain output has no escape codes; color output has")
    func colors() {
        let message = ReceivedMessage(id: 1, from: 2, timestamp: 5, text: "x")
        #expect(!renderer.message(message).contains("\u{1B}"))
        var colored = renderer
        colored.color = true
        #expect(colored.message(message).contains("\u{1B}["))
    }

    @Test("control characters from the network are made visible, not obeyed")
    func controlCharacters() {
        let message = ReceivedMessage(id: 1, from: 2, timestamp: 5, text: "a\u{1B}[2Jb\u{07}\u{9B}c")
        #expect(renderer.message(message) == "[t5] bob: a^[[2Jb^G\u{FFFD}c")
    }

    @Test("replies read as sentences, with names")
    func replies() {
        let r = renderer
        #expect(r.reply(to: .register(username: "alice", password: "p"), ServerReply(final: "+OK uid=1"))
                == ["registered and logged in as alice (1)"])
        #expect(r.reply(to: .login(username: "alice", password: "p", device: nil), ServerReply(final: "+OK uid=1 x=y"))
                == ["logged in as alice (1)"])
        #expect(r.reply(to: .send(to: 2, text: "x"), ServerReply(final: "+OK msg_id=17")) == ["sent msg 17 to bob"])
        #expect(r.reply(to: .sendGroup(gid: 3, text: "x"), ServerReply(final: "+OK group_msg_id=18"))
                == ["sent msg 18 to group 3"])
        #expect(r.reply(to: .friends, ServerReply(final: "+OK friends: 1,2,7")) == ["friends: alice, bob, user 7"])
        #expect(r.reply(to: .friends, ServerReply(final: "+OK friends: ")) == ["friends: none"])
        #expect(r.reply(to: .members(gid: 3), ServerReply(final: "+OK members: 1,2")) == ["members of group 3: alice, bob"])
        #expect(r.reply(to: .groups, ServerReply(final: "+OK groups: 3,4")) == ["groups: 3, 4"])
        #expect(r.reply(to: .createGroup(name: "room", description: nil), ServerReply(final: "+OK group_id=3"))
                == ["created group 3 \"room\""])
        #expect(r.reply(to: .who([1, 2]), ServerReply(final: "+OK 1=online 2=offline"))
                == ["who: alice online, bob offline"])
        #expect(r.reply(to: .status("away"), ServerReply(final: "+OK status=away")) == ["status: away"])
        #expect(r.reply(to: .join(gid: 3), ServerReply(final: "+OK joined group")) == ["joined group 3"])
        #expect(r.reply(to: .addFriend(2), ServerReply(final: "+OK friend added")) == ["added friend bob"])
    }

    @Test("multi-line replies list their messages, then a count")
    func multiLine() {
        let reply = ServerReply(data: ["MSG id=1 from=2 ts=10 text=a", "GMSG id=2 group=3 from=1 ts=11 text=b"],
                                final: "+OK pull_done count=2")
        #expect(renderer.reply(to: .pull, reply) == ["[t10] bob: a", "[t11] [group 3] you: b", "pulled 2 messages"])
        #expect(renderer.reply(to: .history(with: 2, limit: nil), ServerReply(final: "+OK history_done"))
                == ["history with bob: 0 messages"])
    }

    @Test("after a login: what waited, and how many; or that nothing did")
    func waiting() {
        let reply = ServerReply(data: ["MSG id=1 from=2 ts=10 text=a", "MSG id=2 from=2 ts=11 text=b"],
                                final: "+OK pull_done count=2")
        #expect(renderer.waiting(reply)
                == ["* 2 messages arrived while you were away:", "[t10] bob: a", "[t11] bob: b"])
        #expect(renderer.waiting(ServerReply(final: "+OK pull_done count=0")) == ["* no messages arrived while you were away"])
    }

    @Test("errors read `error: <reason>`, with what to do for the common ones; /raw shows the lines as they are")
    func errors() {
        #expect(renderer.reply(to: .send(to: 9, text: "x"), ServerReply(final: "-ERR no such user")) == ["error: no such user"])
        #expect(renderer.reply(to: .friends, ServerReply(final: "-ERR not login"))
                == ["error: not logged in: /login <username> or /register <username> first"])
        #expect(renderer.reply(to: .login(username: "bob", password: "p", device: nil), ServerReply(final: "-ERR already logged in"))
                == ["error: already logged in as alice: /logout first"])
        #expect(renderer.reply(to: .raw("HISTORY 2"), ServerReply(data: ["MSG id=1 from=2 ts=1 text=a"], final: "+OK history_done"))
                == ["MSG id=1 from=2 ts=1 text=a", "+OK history_done"])
        #expect(renderer.reply(to: .raw("FOO"), ServerReply(final: "-ERR unknown cmd")) == ["-ERR unknown cmd"])
    }

    @Test("connection events")
    func events() {
        let r = renderer
        let server = "127.0.0.1:8000"
        #expect(r.event(.connected(greeting: "+OK welcome to mpim gw", again: false), server: server)
                == ["* connected to 127.0.0.1:8000 (welcome to mpim gw)"])
        #expect(r.event(.connectFailed(reason: "Connection refused", retryIn: .milliseconds(400), attempt: 2, of: 20),
                        server: server)
                == ["* cannot connect to 127.0.0.1:8000: Connection refused; retrying in 0.4s (attempt 2 of 20)"])
        #expect(r.event(.loggedInAgain(username: "alice", uid: 1, status: "away"), server: server)
                == ["* logged in again as alice (1), status away"])
        #expect(r.event(.gaveUp(attempts: 20), server: server)
                == ["error: gave up: 20 attempts in a row to connect to 127.0.0.1:8000 failed"])
    }
}

@Suite("the usernames the client knows")
struct NameDirectoryTests {
    @Test("NAMES replies are learned both ways; only unknown, positive uids are asked for, once each")
    func directory() {
        var directory = NameDirectory()
        directory.learn(namesReply: "2=bob 3=carol junk 4=")
        #expect(directory.names == [2: "bob", 3: "carol"])
        #expect(directory.uids["carol"] == 3)
        directory.markMissing(9)
        #expect(directory.unknown(among: [0, 2, 5, 5, 9, 6, 3]) == [5, 6])
        #expect(directory.isMissing(9))
    }

    @Test("the uids a reply names: the peer, the senders, the listed ones")
    func mentions() {
        let history = ServerReply(data: ["MSG id=1 from=2 ts=1 text=a", "MSG id=2 from=1 ts=2 text=b"], final: "+OK history_done")
        #expect(Request.history(with: 2, limit: nil).mentionedUIDs(in: history) == [2, 2, 1])
        #expect(Request.friends.mentionedUIDs(in: ServerReply(final: "+OK friends: 4,5")) == [4, 5])
        #expect(Request.members(gid: 1).mentionedUIDs(in: ServerReply(final: "+OK members: 6")) == [6])
        #expect(Request.friends.mentionedUIDs(in: ServerReply(final: "-ERR not login")) == [])
        #expect(ServerPush.presence(uid: 7, status: "online").mentionedUIDs == [7])
    }
}
