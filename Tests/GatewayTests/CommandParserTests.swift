import Testing
@testable import Gateway

@Suite("Command parser")
struct CommandParserTests {
    private func parse(_ line: String) -> Result<ParsedLine, GatewayError> {
        CommandParser.parse(line)
    }

    private func command(_ line: String) throws -> Command {
        guard case .success(.command(let command)) = parse(line) else {
            Issue.record("\(line) did not parse: \(parse(line))")
            throw GatewayError.unknownCommand
        }
        return command
    }

    @Test("the send pre-check lets every SEND and SENDGROUP through and turns other commands away")
    func sendPrecheck() {
        let sends = ["SEND 2 hi", "send 2 hi", "  Send 2 hi", "SENDGROUP 1 hello", "sendgroup 1 x", "@cid=a1 SEND 2 hi",
                     "@cid=b SENDGROUP 3 x"]
        for line in sends {
            guard case .success(.command(let command)) = parse(line) else {
                Issue.record("\(line) should parse")
                continue
            }
            switch command {
            case .send, .sendGroup: #expect(CommandParser.mayBeSend(Array(line.utf8)), "\(line)")
            default: Issue.record("\(line) parsed as \(command)")
            }
        }
        for line in ["PING", "PULL", "HISTORY 2", "STATUS 1", "SEN", "", "   ", "LOGIN a b", "REGISTER a b"] {
            #expect(!CommandParser.mayBeSend(Array(line.utf8)), "\(line)")
        }
    }

    @Test("blank and all-space lines are ignored")
    func blank() {
        #expect(parse("") == .success(.blank))
        #expect(parse("   ") == .success(.blank))
    }

    @Test("the command word is case-insensitive")
    func caseInsensitive() throws {
        #expect(try command("ping") == .ping)
        #expect(try command("PiNg") == .ping)
        #expect(try command("help") == .help)
    }

    @Test("unknown words are unknown commands")
    func unknown() {
        #expect(parse("FOO bar") == .failure(.unknownCommand))
        #expect(GatewayError.unknownCommand.replyLine == "-ERR unknown cmd")
    }

    @Test("a line that does not parse is counted under the command it names, or none")
    func intendedCommand() {
        let named = ["SEND x hi": "SEND", "send 5": "SEND", "  Login a": "LOGIN", "@cid=bad! SEND 2 x": "SEND",
                     "@cid=k1": "SEND", "@cid=k1 SENDGROUP 3": "SENDGROUP", "@cid=k1 PING": "SEND", "ackmode maybe": "ACKMODE"]
        for (line, name) in named {
            guard case .failure = parse(line) else {
                Issue.record("\(line) should not parse")
                continue
            }
            #expect(CommandParser.intendedCommand(of: line) == name, "\(line)")
        }
        #expect(CommandParser.intendedCommand(of: "FOO bar") == nil)
        #expect(CommandParser.intendedCommand(of: "SENDX 1 hi") == nil)
    }

    @Test("SEND keeps the text exactly, inner and leading spaces included")
    func sendText() throws {
        #expect(try command("SEND 7 hello  there, world") == .send(to: 7, text: "hello  there, world", clientMessageID: nil))
        #expect(try command("SEND 7  two leading") == .send(to: 7, text: " two leading", clientMessageID: nil))
        #expect(try command("send 7 x") == .send(to: 7, text: "x", clientMessageID: nil))
    }

    @Test("SEND and SENDGROUP keep the text byte for byte: control characters, and a combining mark right after the space")
    func sendTextBytes() throws {
        // Swift's String == is canonical equivalence; the bytes are what must match.
        func textBytes(_ command: Command) -> [UInt8]? {
            switch command {
            case .send(_, let text, _), .sendGroup(_, let text, _): Array(text.utf8)
            default: nil
            }
        }
        let controls = String(decoding: (0x00...0x1F).filter { $0 != 0x0A } + [0x7F], as: UTF8.self)
        for text in ["\0", "a\0b", controls, "\u{301}e\u{301} \u{200D}\u{1F44D}\u{1F3FD}", "\u{FE0F}x"] {
            #expect(try textBytes(command("SEND 7 \(text)")) == Array(text.utf8), "SEND 7 \(text.debugDescription)")
            #expect(try textBytes(command("SENDGROUP 3 \(text)")) == Array(text.utf8), "SENDGROUP 3 \(text.debugDescription)")
        }
        // A combining mark glued to the uid's space must not hide that space.
        #expect(try command("SEND 7 \u{301}x") == .send(to: 7, text: "\u{301}x", clientMessageID: nil))
        #expect(parse("HISTORY 7 \u{301}") == .failure(.usage("HISTORY <peer_uid> [<before_msg_id>] [<limit>]")))
    }

    @Test("SEND errors: usage before uid shape, then bad uid")
    func sendErrors() {
        #expect(parse("SEND") == .failure(.usage("SEND <to_uid> <text>")))
        #expect(parse("SEND 5") == .failure(.usage("SEND <to_uid> <text>")))
        #expect(parse("SEND 5 ") == .failure(.usage("SEND <to_uid> <text>")))
        #expect(parse("SEND abc hi") == .failure(.badUID))
        #expect(parse("SEND 0 hi") == .failure(.badUID))
        #expect(parse("SEND -3 hi") == .failure(.badUID))
        #expect(parse("SEND 99999999999999999999 hi") == .failure(.badUID))
        #expect(GatewayError.usage("SEND <to_uid> <text>").replyLine == "-ERR usage: SEND <to_uid> <text>")
    }

    @Test("a cid tag is carried on SEND and refused elsewhere")
    func clientMessageID() throws {
        #expect(try command("@cid=abc-1_Z SEND 3 hi") == .send(to: 3, text: "hi", clientMessageID: "abc-1_Z"))
        if case .success = parse("@cid=abc PING") { Issue.record("tag accepted before PING") }
        if case .success = parse("@cid= SEND 3 hi") { Issue.record("empty tag accepted") }
        if case .success = parse("@cid=a.b SEND 3 hi") { Issue.record("dot accepted in tag") }
        let long = String(repeating: "x", count: 65)
        if case .success = parse("@cid=\(long) SEND 3 hi") { Issue.record("65-character tag accepted") }
    }

    @Test("REGISTER and LOGIN take exact arguments; device defaults to cli")
    func accounts() throws {
        #expect(try command("REGISTER alice pw") == .register(username: "alice", password: "pw"))
        #expect(parse("REGISTER") == .failure(.usage("REGISTER <username> <password>")))
        #expect(parse("REGISTER a b c") == .failure(.usage("REGISTER <username> <password>")))
        #expect(try command("LOGIN alice pw") == .login(username: "alice", password: "pw", device: "cli"))
        #expect(try command("LOGIN alice pw phone") == .login(username: "alice", password: "pw", device: "phone"))
        #expect(parse("LOGIN onlyname") == .failure(.usage("LOGIN <username> <password> [device]")))
        #expect(parse("LOGIN a b c d") == .failure(.usage("LOGIN <username> <password> [device]")))
        #expect(parse("LOGIN a b bad/dev") == .failure(.usage("LOGIN <username> <password> [device]")))
    }

    @Test("HISTORY: peer, optional before and limit; limit capped at 500")
    func history() throws {
        #expect(try command("HISTORY 4") == .history(peer: 4, before: nil, limit: 50))
        #expect(try command("HISTORY 4 100") == .history(peer: 4, before: 100, limit: 50))
        #expect(try command("HISTORY 4 0 2") == .history(peer: 4, before: nil, limit: 2))
        #expect(try command("HISTORY 4 100 9999") == .history(peer: 4, before: 100, limit: 500))
        #expect(parse("HISTORY abc") == .failure(.badUID))
        #expect(parse("HISTORY") == .failure(.usage("HISTORY <peer_uid> [<before_msg_id>] [<limit>]")))
        #expect(parse("HISTORY 4 x") == .failure(.usage("HISTORY <peer_uid> [<before_msg_id>] [<limit>]")))
        #expect(parse("HISTORY 4 1 0") == .failure(.usage("HISTORY <peer_uid> [<before_msg_id>] [<limit>]")))
    }

    @Test("commands without arguments refuse extra ones")
    func bare() {
        #expect(parse("PING now") == .failure(.usage("PING")))
        #expect(parse("PULL 3") == .failure(.usage("PULL")))
    }

    @Test("only session-free commands run before login")
    func loginRequirement() throws {
        #expect(try command("PING").needsLogin == false)
        #expect(try command("REGISTER a b").needsLogin == false)
        #expect(try command("SEND 1 x").needsLogin)
        #expect(try command("PULL").needsLogin)
        #expect(try command("HISTORY 1").needsLogin)
        #expect(try command("LOGOUT").needsLogin)
    }

    @Test("friend and group commands: ids checked, usage for missing arguments")
    func social() throws {
        #expect(try command("ADDFRIEND 4") == .addFriend(4))
        #expect(parse("ADDFRIEND x") == .failure(.badUID))
        #expect(parse("ADDFRIEND") == .failure(.usage("ADDFRIEND <uid>")))
        #expect(try command("removefriend 4") == .removeFriend(4))
        #expect(try command("GETFRIENDS") == .getFriends)
        #expect(try command("CREATEGROUP team the core  team") == .createGroup(name: "team", description: "the core  team"))
        #expect(try command("CREATEGROUP team") == .createGroup(name: "team", description: ""))
        #expect(parse("CREATEGROUP") == .failure(.usage("CREATEGROUP <name> [<description>]")))
        let nul = GatewayError.service(.refused("a group name or description may not contain NUL"))
        #expect(parse("CREATEGROUP te\u{0}am") == .failure(nul))
        #expect(parse("CREATEGROUP team the\u{0}core") == .failure(nul))
        #expect(try command("JOINGROUP 3") == .joinGroup(3))
        #expect(parse("JOINGROUP 0") == .failure(.badGID))
        #expect(parse("GROUPINFO abc") == .failure(.badGID))
        #expect(try command("SENDGROUP 3 hello  all") == .sendGroup(3, text: "hello  all", clientMessageID: nil))
        #expect(try command("@cid=k1 SENDGROUP 3 x") == .sendGroup(3, text: "x", clientMessageID: "k1"))
        #expect(parse("SENDGROUP 3") == .failure(.usage("SENDGROUP <gid> <text>")))
        #expect(try command("GHISTORY 3 0 5") == .groupHistory(3, before: nil, limit: 5))
        #expect(parse("GHISTORY x") == .failure(.badGID))
        #expect(GatewayError.badGID.replyLine == "-ERR bad gid")
        #expect(GatewayError.service(.notMember).replyLine == "-ERR not a member")
        #expect(GatewayError.service(.noSuchGroup).replyLine == "-ERR no such group")
    }

    @Test("a service that did not answer reads -ERR unavailable (an extension of PROTOCOL.md)")
    func unavailableReply() {
        #expect(GatewayError.service(.unavailable).replyLine == "-ERR unavailable")
    }
}
