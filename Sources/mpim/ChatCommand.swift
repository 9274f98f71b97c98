/// Someone to write to: a uid, or a username the client has seen this session.
enum Recipient: Equatable, Sendable {
    case uid(Int64)
    case name(String)

    /// All digits: a uid (the server judges it); anything else: a username.
    init(_ word: Substring) {
        if word.allSatisfy({ ("0"..."9").contains($0) }), let uid = Int64(word) {
            self = .uid(uid)
        } else {
            self = .name(String(word))
        }
    }
}

/// One line the user typed, understood.
enum ChatCommand: Equatable, Sendable {
    case register(username: String, password: String)
    case login(username: String, password: String, device: String?)
    case logout
    case message(to: Recipient, text: String)
    /// Plain text: to the conversation chosen with `/chat`.
    case say(String)
    /// `/chat <uid>` picks the conversation; `/chat` alone leaves it.
    case chat(Recipient?)
    case groupMessage(gid: Int64, text: String)
    case pull
    case history(with: Recipient, limit: Int?)
    case groupHistory(gid: Int64, limit: Int?)
    case friends
    case addFriend(Recipient)
    case groups
    case join(gid: Int64)
    case leave(gid: Int64)
    case members(gid: Int64)
    case createGroup(name: String, description: String?)
    case status(String)
    case who([Recipient])
    case raw(String)
    case help
    case quit
    /// A blank line: nothing to do.
    case nothing
}

/// A line that is not a valid command; `message` says what to type instead.
struct CommandError: Error, Equatable, CustomStringConvertible {
    var message: String
    var description: String { message }

    init(_ message: String) {
        self.message = message
    }

    static func usage(_ text: String) -> CommandError { CommandError("usage: \(text)") }
}

extension ChatCommand {
    /// The `/commands` with their arguments, for `/help` and usage errors.
    static let usages: [(name: String, usage: String, summary: String)] = [
        ("register", "/register <username> <password>", "create an account and log in"),
        ("login", "/login <username> <password> [device]", "log in (device defaults to cli)"),
        ("logout", "/logout", "log out (the connection stays)"),
        ("msg", "/msg <uid|username> <text>", "send a message"),
        ("chat", "/chat [<uid|username>]", "plain lines go to this user; /chat alone stops"),
        ("group", "/group <gid> <text>", "send to a group"),
        ("pull", "/pull", "messages that waited while you were offline"),
        ("history", "/history <uid|username> [limit]", "the conversation with a user"),
        ("ghistory", "/ghistory <gid> [limit]", "a group's messages"),
        ("friends", "/friends", "your friends"),
        ("add", "/add <uid|username>", "add a friend"),
        ("groups", "/groups", "your groups"),
        ("join", "/join <gid>", "join a group"),
        ("leave", "/leave <gid>", "leave a group"),
        ("members", "/members <gid>", "a group's members"),
        ("create", "/create <name> [description]", "create a group"),
        ("status", "/status <online|away|busy|invisible>", "set your status"),
        ("who", "/who <uid|username>...", "who is online"),
        ("raw", "/raw <protocol line>", "send a protocol line as is"),
        ("help", "/help", "this list"),
        ("quit", "/quit", "leave"),
    ]

    private static func usage(of name: String) -> CommandError {
        .usage(usages.first { $0.name == name }!.usage)
    }

    /// Understands one input line. Lines not starting with `/` are plain
    /// text; `//` starts plain text with a `/`. Pure: no I/O, no state.
    static func parse(_ line: String) throws(CommandError) -> ChatCommand {
        if line.allSatisfy({ $0 == " " || $0 == "\t" }) { return .nothing }
        guard line.hasPrefix("/") else { return .say(line) }
        if line.hasPrefix("//") { return .say(String(line.dropFirst())) }

        let afterSlash = line.dropFirst()
        let name = afterSlash.prefix { $0 != " " }.lowercased()
        // The rest after the command word and one space, kept exactly (message text).
        let rest = afterSlash.dropFirst(name.count).dropFirst()
        let words = rest.split(separator: " ")

        switch name {
        case "register":
            guard words.count == 2 else { throw usage(of: name) }
            return .register(username: String(words[0]), password: String(words[1]))
        case "login":
            guard (2...3).contains(words.count) else { throw usage(of: name) }
            return .login(username: String(words[0]), password: String(words[1]),
                          device: words.count == 3 ? String(words[2]) : nil)
        case "logout":
            guard words.isEmpty else { throw usage(of: name) }
            return .logout
        case "msg", "m":
            guard let (to, text) = splitFirstWord(rest) else { throw usage(of: "msg") }
            return .message(to: Recipient(to), text: text)
        case "chat":
            guard words.count <= 1 else { throw usage(of: name) }
            return .chat(words.first.map(Recipient.init))
        case "group", "g":
            guard let (gid, text) = splitFirstWord(rest) else { throw usage(of: "group") }
            return .groupMessage(gid: try id(gid, "gid"), text: text)
        case "pull":
            guard words.isEmpty else { throw usage(of: name) }
            return .pull
        case "history":
            guard (1...2).contains(words.count) else { throw usage(of: name) }
            return .history(with: Recipient(words[0]), limit: try limit(words.dropFirst().first))
        case "ghistory":
            guard (1...2).contains(words.count) else { throw usage(of: name) }
            return .groupHistory(gid: try id(words[0], "gid"), limit: try limit(words.dropFirst().first))
        case "friends":
            guard words.isEmpty else { throw usage(of: name) }
            return .friends
        case "add":
            guard words.count == 1 else { throw usage(of: name) }
            return .addFriend(Recipient(words[0]))
        case "groups":
            guard words.isEmpty else { throw usage(of: name) }
            return .groups
        case "join":
            guard words.count == 1 else { throw usage(of: name) }
            return .join(gid: try id(words[0], "gid"))
        case "leave":
            guard words.count == 1 else { throw usage(of: name) }
            return .leave(gid: try id(words[0], "gid"))
        case "members":
            guard words.count == 1 else { throw usage(of: name) }
            return .members(gid: try id(words[0], "gid"))
        case "create":
            guard let first = words.first else { throw usage(of: name) }
            let description = splitFirstWord(rest)?.rest
            return .createGroup(name: String(first), description: description)
        case "status":
            let statuses = ["online", "away", "busy", "invisible"]
            guard words.count == 1, statuses.contains(words[0].lowercased()) else { throw usage(of: name) }
            return .status(words[0].lowercased())
        case "who":
            guard !words.isEmpty else { throw usage(of: name) }
            return .who(words.map(Recipient.init))
        case "raw":
            guard !rest.isEmpty else { throw usage(of: name) }
            return .raw(String(rest))
        case "help", "?":
            return .help
        case "quit", "exit", "q":
            return .quit
        default:
            throw CommandError("unknown command /\(name) (/help lists them; // starts a line with /)")
        }
    }

    /// `"2 hello  there"` → (`2`, `"hello  there"`); nil when either part is missing.
    private static func splitFirstWord(_ text: Substring) -> (word: Substring, rest: String)? {
        guard let space = text.firstIndex(of: " ") else { return nil }
        let rest = text[text.index(after: space)...]
        guard space > text.startIndex, !rest.isEmpty else { return nil }
        return (text[..<space], String(rest))
    }

    private static func id(_ word: Substring, _ what: String) throws(CommandError) -> Int64 {
        guard let value = Int64(word), value > 0 else { throw CommandError("bad \(what): \(word) (a positive number)") }
        return value
    }

    private static func limit(_ word: Substring?) throws(CommandError) -> Int? {
        guard let word else { return nil }
        guard let value = Int(word), value > 0 else { throw CommandError("bad limit: \(word) (a positive number)") }
        return value
    }
}
