import MPIMClient
@testable import mpim
import Testing

@Suite("rendering pushes and replies (plain)")
struct RendererTests {
    private var renderer: Renderer {
        var renderer = Renderer(color: false)
        renderer.formatTime = { "t\($0)" }
        renderer.now = { 99 }
        renderer.names = [1: "alice"]
        renderer.me = 1
        return renderer
    }

    @Test("pushes show time, sender and group")
    func pushes() throws {
        let msg = try #require(ServerPush(line: "MSG id=5 from=2 ts=1000 text=hi  there"))
        #expect(renderer.push(msg) == "[t1000] user 2: hi  there")
        let own = try #require(ServerPush(line: "MSG id=6 from=1 ts=1001 text=me"))
        #expect(renderer.push(own) == "[t1001] alice (1): me")
        let gmsg = try #require(ServerPush(line: "GMSG id=7 group=3 from=2 ts=1002 text=all"))
        #expect(renderer.push(gmsg) == "[t1002] [group 3] user 2: all")
        #expect(renderer.push(.presence(uid: 2, status: "away")) == "[t99] * user 2 is away")
        #expect(renderer.push(.kicked(reason: "duplicate login")) == "[t99] ! kicked by the server: duplicate login")
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
        #expect(renderer.message(message) == "[t5] user 2: a^[[2Jb^G\u{FFFD}c")
    }

    @Test("replies read as sentences")
    func replies() {
        let r = renderer
        #expect(r.reply(to: .register(username: "alice", password: "p"), ServerReply(final: "+OK uid=1"))
                == ["registered and logged in as alice (1)"])
        #expect(r.reply(to: .login(username: "alice", password: "p", device: nil), ServerReply(final: "+OK uid=1 x=y"))
                == ["logged in as alice (1)"])
        #expect(r.reply(to: .send(to: 2, text: "x"), ServerReply(final: "+OK msg_id=17")) == ["sent msg 17 to user 2"])
        #expect(r.reply(to: .sendGroup(gid: 3, text: "x"), ServerReply(final: "+OK group_msg_id=18"))
                == ["sent msg 18 to group 3"])
        #expect(r.reply(to: .friends, ServerReply(final: "+OK friends: 1,2")) == ["friends: alice (1), user 2"])
        #expect(r.reply(to: .friends, ServerReply(final: "+OK friends: ")) == ["friends: none"])
        #expect(r.reply(to: .groups, ServerReply(final: "+OK groups: 3,4")) == ["groups: 3, 4"])
        #expect(r.reply(to: .createGroup(name: "room", description: nil), ServerReply(final: "+OK group_id=3"))
                == ["created group 3 \"room\""])
        #expect(r.reply(to: .who([1, 2]), ServerReply(final: "+OK 1=online 2=offline"))
                == ["who: alice (1) online, user 2 offline"])
        #expect(r.reply(to: .status("away"), ServerReply(final: "+OK status=away")) == ["status: away"])
        #expect(r.reply(to: .join(gid: 3), ServerReply(final: "+OK joined group")) == ["joined group 3"])
    }

    @Test("multi-line replies list their messages, then a count")
    func multiLine() {
        let reply = ServerReply(data: ["MSG id=1 from=2 ts=10 text=a", "GMSG id=2 group=3 from=1 ts=11 text=b"],
                                final: "+OK pull_done count=2")
        #expect(renderer.reply(to: .pull, reply) == ["[t10] user 2: a", "[t11] [group 3] alice (1): b", "pulled 2 messages"])
        #expect(renderer.reply(to: .history(with: 2, limit: nil), ServerReply(final: "+OK history_done"))
                == ["history with user 2: 0 messages"])
    }

    @Test("errors read `error: <reason>`; /raw shows the lines as they are")
    func errors() {
        #expect(renderer.reply(to: .send(to: 9, text: "x"), ServerReply(final: "-ERR no such user")) == ["error: no such user"])
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
