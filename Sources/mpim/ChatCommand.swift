/// Someone to write to: a uid, or a username (looked up with `USER`).
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
    /// A nil password: ask for it (on a terminal, without echo).
    case register(username: String, password: String?)
    case login(username: String, password: String?, device: String?)
    case logout
    case message(to: Recipient, text: String)
    /// Plain text: to the conversation chosen with `/chat`.
    case say(String)
    /// `/chat <user>` picks the conversation; `/chat` alone leaves it.
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
        ("register", "/register <username> [<password>]", "create an account and log in (asks for the password)"),
        ("login", "/login <username> [<password> [device]]", "log in (asks for the password; device defaults to cli)"),
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
        ("create", "/create <name> [\"<description>\"]", "create a group (a name is one word)"),
        ("status", "/status <online|away|busy|invisible>", "set your status"),
        ("who", "/who <uid|username>...", "who is online"),
        ("raw", "/raw <protocol line>", "send a protocol line as is"),
        ("help", "/help", "this list"),
        ("quit", "/quit", "leave"),
    ]

    private static func usage(of name: String) -> CommandError {
        .usage(usages.first { $0.name == name }?.usage ?? "/\(name) (/help lists the commands)")
    }

    /// Understands one input line. Lines not starting with `/` are plain
    /// text; `//` starts plain text with a `/`. Pure: no I/O, no state.
    static func parse(_ line: String) throws(CommandError) -> ChatCommand {
        if line.allSatisfy({ $0 == " " || $0 == "\t" }) { return .nothing }
        guard line.hasPrefix("/") else { return .say(line) }
        if line.hasPrefix("//") { return .say(String(line.dropFirst())) }

        let afterSlash = line.dropFirst()
        let word = afterSlash.prefix { $0 != " " }
        let name = word.lowercased()
        var arguments = Arguments(afterSlash.dropFirst(word.count))
        let command = try parse(name, &arguments)
        guard arguments.isEmpty else { throw usage(of: name) }
        return command
    }

    /// The command `name` with its arguments; what is left over is a usage error.
    private static func parse(_ name: String, _ arguments: inout Arguments) throws(CommandError) -> ChatCommand {
        switch name {
        case "register":
            guard let username = try arguments.name("a username") else { throw usage(of: name) }
            return .register(username: username, password: arguments.bareWord().map(String.init))
        case "login":
            guard let username = try arguments.name("a username") else { throw usage(of: name) }
            let password = arguments.bareWord().map(String.init)
            let device = password == nil ? nil : try arguments.name("a device name")
            return .login(username: username, password: password, device: device)
        case "logout":
            return .logout
        case "msg", "m":
            guard let to = try recipient(&arguments), let text = arguments.text() else { throw usage(of: "msg") }
            return .message(to: to, text: text)
        case "chat":
            return .chat(try recipient(&arguments))
        case "group", "g":
            guard let gid = try arguments.name("a gid"), let text = arguments.text() else { throw usage(of: "group") }
            return .groupMessage(gid: try id(gid, "gid"), text: text)
        case "pull":
            return .pull
        case "history":
            guard let with = try recipient(&arguments) else { throw usage(of: name) }
            return .history(with: with, limit: try limit(try arguments.name("a limit")))
        case "ghistory":
            guard let gid = try arguments.name("a gid") else { throw usage(of: name) }
            return .groupHistory(gid: try id(gid, "gid"), limit: try limit(try arguments.name("a limit")))
        case "friends":
            return .friends
        case "add":
            guard let friend = try recipient(&arguments) else { throw usage(of: name) }
            return .addFriend(friend)
        case "groups":
            return .groups
        case "join", "leave", "members":
            guard let gid = try arguments.name("a gid") else { throw usage(of: name) }
            let value = try id(gid, "gid")
            return name == "join" ? .join(gid: value) : name == "leave" ? .leave(gid: value) : .members(gid: value)
        case "create":
            return try createGroup(&arguments)
        case "status":
            let statuses = ["online", "away", "busy", "invisible"]
            guard let status = try arguments.name("a status")?.lowercased(), statuses.contains(status) else {
                throw usage(of: name)
            }
            return .status(status)
        case "who":
            var recipients: [Recipient] = []
            while let next = try recipient(&arguments) { recipients.append(next) }
            guard !recipients.isEmpty else { throw usage(of: name) }
            return .who(recipients)
        case "raw":
            guard let line = arguments.text() else { throw usage(of: name) }
            return .raw(line)
        case "help", "?":
            _ = arguments.text()
            return .help
        case "quit", "exit", "q":
            _ = arguments.text()
            return .quit
        default:
            throw CommandError("unknown command /\(name) (/help lists them; // starts a line with /)")
        }
    }

    /// `/create <name> ["<description>"]`. The protocol reads the name as one
    /// word and the description as the rest, so a name with spaces cannot be
    /// sent, and unquoted words after the name would silently become a
    /// description: both are refused, saying what to type.
    private static func createGroup(_ arguments: inout Arguments) throws(CommandError) -> ChatCommand {
        guard let (name, quoted) = try arguments.word(), !name.isEmpty else { throw usage(of: "create") }
        if quoted && name.contains(" ") {
            let dashed = name.split(separator: " ").joined(separator: "-")
            throw CommandError("a group name cannot contain spaces (the protocol reads it as one word): try \"\(dashed)\"")
        }
        let description = try arguments.word()?.text
        guard arguments.isEmpty else {
            throw CommandError("a group name is one word; put a description of several words in quotes: "
                               + "/create \(name) \"<description>\"")
        }
        return .createGroup(name: name, description: description?.isEmpty == true ? nil : description)
    }

    private static func recipient(_ arguments: inout Arguments) throws(CommandError) -> Recipient? {
        try arguments.name("a username").map { Recipient(Substring($0)) }
    }

    private static func id(_ word: String, _ what: String) throws(CommandError) -> Int64 {
        guard let value = Int64(word), value > 0 else { throw CommandError("bad \(what): \(word) (a positive number)") }
        return value
    }

    private static func limit(_ word: String?) throws(CommandError) -> Int? {
        guard let word else { return nil }
        guard let value = Int(word), value > 0 else { throw CommandError("bad limit: \(word) (a positive number)") }
        return value
    }
}
