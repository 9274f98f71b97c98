import MPIMClient
import Testing

@Suite("reading server lines")
struct ServerPushTests {
    @Test("the five pushes parse; text= runs to the end of the line")
    func pushes() {
        #expect(ServerPush(line: "MSG id=1 from=2 ts=3 text=a b  c=d")
                == .message(ReceivedMessage(id: 1, from: 2, timestamp: 3, text: "a b  c=d")))
        #expect(ServerPush(line: "GMSG id=4 group=5 from=6 ts=7 text=")
                == .groupMessage(ReceivedMessage(id: 4, group: 5, from: 6, timestamp: 7, text: "")))
        #expect(ServerPush(line: "PRESENCE uid=8 status=busy") == .presence(uid: 8, status: "busy"))
        #expect(ServerPush(line: "KICKED reason=duplicate login") == .kicked(reason: "duplicate login"))
        #expect(ServerPush(line: "SENT id=9 to=2 ts=3 text=from  my phone")
                == .sent(SentMessage(id: 9, to: 2, timestamp: 3, text: "from  my phone")))
        #expect(ServerPush(line: "SENT id=9 ts=3 text=nobody") == nil)
    }

    @Test("a kick by another login signs out; a server shutdown, an idle timeout or a slow read only drops the connection")
    func kicks() {
        #expect(Kick(reason: "duplicate login") == .signedOut(reason: "duplicate login"))
        #expect(Kick(reason: "too many devices").signsOut)
        #expect(Kick(reason: "something new").signsOut)  // unknown: not worth pushing someone else out
        for reason in ["server shutdown", "idle timeout", "slow consumer"] {
            #expect(Kick(reason: reason) == .dropped(reason: reason))
        }
    }

    @Test("fields the server may add are tolerated; broken lines are not pushes")
    func lenience() {
        #expect(ServerPush(line: "MSG id=1 from=2 ts=3 cid=x text=hi")
                == .message(ReceivedMessage(id: 1, from: 2, timestamp: 3, text: "hi")))
        #expect(ServerPush(line: "MSG id=x from=2 ts=3 text=hi") == nil)
        #expect(ServerPush(line: "GMSG id=1 from=2 ts=3 text=no group") == nil)
        #expect(ServerPush(line: "HELLO there") == nil)
    }
}

@Suite("matching lines to commands")
struct ReplyRouterTests {
    @Test("greeting first, then replies in command order, pushes in between")
    func order() {
        var router = ReplyRouter<Int>()
        router.expectGreeting(0)
        router.expectReply(1, shape: ReplyShape(commandLine: "SEND 2 x"))
        router.expectReply(2, shape: ReplyShape(commandLine: "PULL"))
        guard case .reply(0, let greeting) = router.route("+OK welcome to mpim") else { Issue.record("greeting"); return }
        #expect(greeting.final == "+OK welcome to mpim")
        guard case .push(.presence(uid: 3, status: "online"), _) = router.route("PRESENCE uid=3 status=online") else {
            Issue.record("presence")
            return
        }
        // SEND has no data lines: a MSG before its reply is a push.
        guard case .push(.message, _) = router.route("MSG id=9 from=3 ts=1 text=live") else { Issue.record("push"); return }
        guard case .reply(1, let sent) = router.route("+OK msg_id=10") else { Issue.record("send reply"); return }
        #expect(sent.field("msg_id") == "10")
        // Now PULL is the oldest: MSG and GMSG lines are its data.
        guard case .data = router.route("MSG id=5 from=3 ts=1 text=old") else { Issue.record("data"); return }
        guard case .data = router.route("GMSG id=6 group=1 from=3 ts=1 text=old") else { Issue.record("data"); return }
        guard case .push(.kicked, _) = router.route("KICKED reason=server shutdown") else { Issue.record("kick"); return }
        // A SENT copy is never data of a PULL.
        guard case .push(.sent, _) = router.route("SENT id=7 to=3 ts=1 text=mine") else { Issue.record("sent"); return }
        guard case .reply(2, let pulled) = router.route("+OK pull_done count=2") else { Issue.record("pull reply"); return }
        #expect(pulled.data.count == 2)
        #expect(pulled.messages.map(\.id) == [5, 6])
        guard case .unsolicited("+OK stray") = router.route("+OK stray") else { Issue.record("stray"); return }
        #expect(router.waiting == 0)
    }

    @Test("HISTORY takes only MSG lines as data; a GMSG meanwhile is a push")
    func historyShape() {
        var router = ReplyRouter<Int>()
        router.expectReply(1, shape: ReplyShape(commandLine: "history 2"))
        guard case .push(.groupMessage, _) = router.route("GMSG id=6 group=1 from=3 ts=1 text=live") else {
            Issue.record("push")
            return
        }
        guard case .data = router.route("MSG id=5 from=3 ts=1 text=old") else { Issue.record("data"); return }
        #expect(ReplyShape(commandLine: "@cid=abc SEND 2 x") == .single)
        #expect(ReplyShape(commandLine: "SYNC 0").dataWords == ["MSG", "GMSG"])
        #expect(ReplyShape(commandLine: "GHISTORY 1").dataWords == ["GMSG"])
    }

    @Test("a closed connection hands back every waiter, oldest first")
    func drain() {
        var router = ReplyRouter<Int>()
        router.expectReply(1, shape: .single)
        router.expectReply(2, shape: .single)
        _ = router.route("+OK")
        router.expectReply(3, shape: .single)
        #expect(router.drain() == [2, 3])
        #expect(router.waiting == 0)
    }
}

@Suite("what a reconnect redoes")
struct SessionMemoryTests {
    @Test("a successful login or register is remembered; a failed one is not")
    func credentials() {
        var memory = SessionMemory()
        memory.observe("LOGIN alice pw", reply: ServerReply(final: "-ERR auth failed"))
        #expect(memory.credentials == nil)
        memory.observe("REGISTER alice pw", reply: ServerReply(final: "+OK uid=4"))
        #expect(memory.credentials == .init(username: "alice", password: "pw"))
        #expect(memory.uid == 4)
        #expect(memory.credentials?.loginLine == "LOGIN alice pw")
        memory.observe("login alice pw phone", reply: ServerReply(final: "+OK uid=4"))
        #expect(memory.credentials?.loginLine == "LOGIN alice pw phone")
    }

    @Test("status other than online is restored; logout forgets everything")
    func status() {
        var memory = SessionMemory()
        memory.observe("LOGIN alice pw", reply: ServerReply(final: "+OK uid=4"))
        memory.observe("STATUS away", reply: ServerReply(final: "+OK status=away"))
        #expect(memory.status == "away")
        memory.observe("STATUS online", reply: ServerReply(final: "+OK status=online"))
        #expect(memory.status == nil)
        memory.observe("LOGOUT", reply: ServerReply(final: "+OK logout success"))
        #expect(memory.credentials == nil)
    }

    @Test("backoff doubles up to its maximum")
    func backoff() {
        let backoff = Backoff(initial: .milliseconds(200), maximum: .seconds(1), attempts: 5)
        #expect((1...5).map { backoff.delay(beforeAttempt: $0) }
                == [.milliseconds(200), .milliseconds(400), .milliseconds(800), .seconds(1), .seconds(1)])
    }
}
