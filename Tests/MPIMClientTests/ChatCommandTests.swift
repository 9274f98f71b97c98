@testable import mpim
import Testing

@Suite("parsing what the user types")
struct ChatCommandTests {
    private func parse(_ line: String) throws -> ChatCommand { try ChatCommand.parse(line) }

    private func error(_ line: String) -> String? {
        do {
            _ = try ChatCommand.parse(line)
            return nil
        } catch {
            return error.message
        }
    }

    @Test("message text is kept exactly, inner spaces included")
    func messageText() throws {
        #expect(try parse("/msg 7 hello  there ") == .message(to: .uid(7), text: "hello  there "))
        #expect(try parse("/msg bob hi") == .message(to: .name("bob"), text: "hi"))
        #expect(try parse("/group 3 all  of you") == .groupMessage(gid: 3, text: "all  of you"))
    }

    @Test("a line without a slash is plain text; // escapes a leading slash")
    func plainText() throws {
        #expect(try parse("just words") == .say("just words"))
        #expect(try parse("//shrug") == .say("/shrug"))
        #expect(try parse("") == .nothing)
        #expect(try parse("   ") == .nothing)
    }

    @Test("command words are case-insensitive and have short forms")
    func commandWords() throws {
        #expect(try parse("/PULL") == .pull)
        #expect(try parse("/m 2 x") == .message(to: .uid(2), text: "x"))
        #expect(try parse("/q") == .quit)
        #expect(try parse("/exit") == .quit)
        #expect(try parse("/?") == .help)
    }

    @Test("every listed command parses")
    func everyCommand() throws {
        #expect(try parse("/register alice pw") == .register(username: "alice", password: "pw"))
        #expect(try parse("/login alice pw") == .login(username: "alice", password: "pw", device: nil))
        #expect(try parse("/login alice pw phone") == .login(username: "alice", password: "pw", device: "phone"))
        #expect(try parse("/logout") == .logout)
        #expect(try parse("/chat 5") == .chat(.uid(5)))
        #expect(try parse("/chat") == .chat(nil))
        #expect(try parse("/history 5") == .history(with: .uid(5), limit: nil))
        #expect(try parse("/history 5 20") == .history(with: .uid(5), limit: 20))
        #expect(try parse("/ghistory 3 10") == .groupHistory(gid: 3, limit: 10))
        #expect(try parse("/friends") == .friends)
        #expect(try parse("/add 9") == .addFriend(.uid(9)))
        #expect(try parse("/groups") == .groups)
        #expect(try parse("/join 4") == .join(gid: 4))
        #expect(try parse("/leave 4") == .leave(gid: 4))
        #expect(try parse("/members 4") == .members(gid: 4))
        #expect(try parse("/create room") == .createGroup(name: "room", description: nil))
        #expect(try parse("/create room \"for  us\"") == .createGroup(name: "room", description: "for  us"))
        #expect(try parse("/create room games") == .createGroup(name: "room", description: "games"))
        #expect(try parse("/status Away") == .status("away"))
        #expect(try parse("/who 1 2 bob") == .who([.uid(1), .uid(2), .name("bob")]))
        #expect(try parse("/raw SEND 2 as  is") == .raw("SEND 2 as  is"))
        #expect(try parse("/help") == .help)
        #expect(try parse("/quit") == .quit)
    }

    @Test("wrong arguments answer with the usage")
    func usage() {
        #expect(error("/msg 7") == "usage: /msg <uid|username> <text>")
        #expect(error("/msg") == "usage: /msg <uid|username> <text>")
        #expect(error("/register") == "usage: /register <username> [<password>]")
        #expect(error("/register alice pw extra") == "usage: /register <username> [<password>]")
        #expect(error("/login a b c d") == "usage: /login <username> [<password> [device]]")
        #expect(error("/status sleepy") == "usage: /status <online|away|busy|invisible>")
        #expect(error("/who") == "usage: /who <uid|username>...")
        #expect(error("/raw") == "usage: /raw <protocol line>")
        #expect(error("/pull now") == "usage: /pull")
        #expect(error("/group x hi") == "bad gid: x (a positive number)")
        #expect(error("/join 0") == "bad gid: 0 (a positive number)")
        #expect(error("/history 5 lots") == "bad limit: lots (a positive number)")
        #expect(error("/dance")?.hasPrefix("unknown command /dance") == true)
    }

    @Test("a password left out is asked for later (nil)")
    func missingPassword() throws {
        #expect(try parse("/login alice") == .login(username: "alice", password: nil, device: nil))
        #expect(try parse("/register alice") == .register(username: "alice", password: nil))
        // A password is taken as typed, a quote included.
        #expect(try parse("/login alice \"pw") == .login(username: "alice", password: "\"pw", device: nil))
    }

    @Test("quoted words may hold spaces where the protocol allows them; elsewhere they are refused, never split")
    func quoting() throws {
        #expect(try parse("/create \"room\" \"a room for tests\"")
                == .createGroup(name: "room", description: "a room for tests"))
        #expect(error("/create \"my group\" the description")
                == "a group name cannot contain spaces (the protocol reads it as one word): try \"my-group\"")
        #expect(error("/create my group with spaces")
                == "a group name is one word; put a description of several words in quotes: /create my \"<description>\"")
        #expect(error("/create room \"unclosed") == "a quote is not closed: \"unclosed")
        #expect(error("/msg \"alice smith\" hi") == "a username cannot contain spaces: \"alice smith\"")
        #expect(error("/chat \"a b\"") == "a username cannot contain spaces: \"a b\"")
        #expect(error("/who bob \"c d\"") == "a username cannot contain spaces: \"c d\"")
        // A quoted name without spaces is just the name; message text stays exactly as typed, quotes and all.
        #expect(try parse("/msg \"bob\" \"hi\"  there") == .message(to: .name("bob"), text: "\"hi\"  there"))
        #expect(try parse("/chat \"bob\"") == .chat(.name("bob")))
    }

    @Test("digits are a uid, anything else a username")
    func recipients() {
        #expect(Recipient("42") == .uid(42))
        #expect(Recipient("0") == .uid(0))  // the server answers "bad uid"
        #expect(Recipient("bob42") == .name("bob42"))
        #expect(Recipient("99999999999999999999") == .name("99999999999999999999"))
    }
}

@Suite("turning commands into protocol lines")
struct PlannerTests {
    @Test("commands become the protocol's lines")
    func lines() throws {
        let planner = Planner()
        func line(_ input: String) throws -> String? {
            guard case .request(let request) = try planner.plan(try ChatCommand.parse(input)) else { return nil }
            return request.line
        }
        #expect(try line("/msg 2 hi  there") == "SEND 2 hi  there")
        #expect(try line("/group 3 yo") == "SENDGROUP 3 yo")
        #expect(try line("/login a b") == "LOGIN a b")
        #expect(try line("/login a b phone") == "LOGIN a b phone")
        #expect(try line("/history 2") == "HISTORY 2")
        #expect(try line("/history 2 5") == "HISTORY 2 0 5")
        #expect(try line("/friends") == "GETFRIENDS")
        #expect(try line("/add 2") == "ADDFRIEND 2")
        #expect(try line("/join 3") == "JOINGROUP 3")
        #expect(try line("/create room \"big one\"") == "CREATEGROUP room big one")
        #expect(try line("/who 1 2") == "WHO 1 2")
        #expect(try line("/raw GROUPINFO 3") == "GROUPINFO 3")
    }

    @Test("plain text needs a login and a conversation; a logout ends the conversation")
    func conversation() throws {
        var planner = Planner()
        #expect(throws: CommandError.self) { try planner.plan(.say("hi")) }
        #expect(throws: Planner.notLoggedIn) { try planner.plan(.chat(.uid(4))) }
        planner.loggedIn = true
        #expect(throws: CommandError.self) { try planner.plan(.say("hi")) }
        #expect(try planner.plan(.chat(.uid(4))) == .converse(with: 4))
        planner.conversation = 4
        #expect(try planner.plan(.say("hi")) == .request(.send(to: 4, text: "hi")))
        #expect(try planner.plan(.chat(nil)) == .converse(with: nil))
    }

    @Test("usernames resolve through the directory; the ones to look up are listed")
    func names() throws {
        var planner = Planner()
        planner.directory.learn(uid: 1, name: "alice")
        #expect(try planner.plan(.message(to: .name("alice"), text: "x")) == .request(.send(to: 1, text: "x")))
        #expect(throws: CommandError("no such user: carol")) { try planner.plan(.message(to: .name("carol"), text: "x")) }
        #expect(try ChatCommand.parse("/who 1 bob carol").usernames == ["bob", "carol"])
        #expect(try ChatCommand.parse("/msg bob hi").usernames == ["bob"])
        #expect(try ChatCommand.parse("/chat").usernames == [])
    }

    @Test("a script that leaves out the password is told to give it")
    func scriptPassword() throws {
        #expect(throws: CommandError.self) { try Planner().plan(.login(username: "alice", password: nil, device: nil)) }
    }
}
