import MPIMCore

/// Turns one line of text into a `Command`: pure, no I/O, tested on its own.
public enum CommandParser {
    static let maxHistoryLimit = 500
    static let defaultHistoryLimit = 50
    static let maxSyncLimit = 1000
    static let defaultSyncLimit = 200
    /// Most ids one ACK may carry.
    static let maxAckIDs = 1000

    /// Whether a line may be a SEND or SENDGROUP (or any `@cid=` line), from
    /// its first bytes: a cheap test before the event loop's fast path
    /// parses the line; a line it turns away is parsed once, by the session.
    static func mayBeSend(_ bytes: some Collection<UInt8>) -> Bool {
        let word = bytes.drop { $0 == UInt8(ascii: " ") }
        guard let first = word.first else { return false }
        if first == UInt8(ascii: "@") { return true }
        let send = "SEND".utf8
        return word.count >= send.count && zip(word, send).allSatisfy { $0 & 0xDF == $1 }
    }

    public static func parse(_ line: String) -> Result<ParsedLine, GatewayError> {
        var scanner = ArgumentScanner(line)
        guard var word = scanner.next() else { return .success(.blank) }
        var clientMessageID: String?
        if word.hasPrefix("@cid=") {
            let tag = String(word.dropFirst(5))
            guard isValidClientMessageID(tag), let next = scanner.next() else {
                return .failure(.usage("@cid=<client_msg_id> SEND <to_uid> <text>"))
            }
            clientMessageID = tag
            word = next
        }
        let name = word.uppercased()
        if clientMessageID != nil, name != "SEND", name != "SENDGROUP" {
            return .failure(.usage("@cid=<client_msg_id> SEND <to_uid> <text>"))
        }
        do {
            return .success(.command(try command(name, &scanner, clientMessageID: clientMessageID)))
        } catch {
            return .failure(error)
        }
    }

    private static func command(_ name: String, _ args: inout ArgumentScanner, clientMessageID: String?)
        throws(GatewayError) -> Command
    {
        switch name {
        case "REGISTER":
            let usage = GatewayError.usage("REGISTER <username> <password>")
            guard let username = args.next(), let password = args.next(), args.isAtEnd else { throw usage }
            return .register(username: username, password: password)
        case "LOGIN":
            let usage = GatewayError.usage("LOGIN <username> <password> [device]")
            guard let username = args.next(), let password = args.next() else { throw usage }
            let device = args.next() ?? "cli"
            guard args.isAtEnd, isValidDevice(device) else { throw usage }
            return .login(username: username, password: password, device: device)
        case "SEND":
            let usage = GatewayError.usage("SEND <to_uid> <text>")
            guard let target = args.next(), let text = args.rest() else { throw usage }
            return .send(to: try userID(target), text: text, clientMessageID: clientMessageID)
        case "HISTORY":
            let usage = GatewayError.usage("HISTORY <peer_uid> [<before_msg_id>] [<limit>]")
            guard let peer = args.next() else { throw usage }
            let peerID = try userID(peer)
            let (before, limit) = try page(&args, usage: usage)
            return .history(peer: peerID, before: before, limit: limit)
        case "GHISTORY":
            let usage = GatewayError.usage("GHISTORY <gid> [<before_msg_id>] [<limit>]")
            guard let group = args.next() else { throw usage }
            let groupID = try groupID(group)
            let (before, limit) = try page(&args, usage: usage)
            return .groupHistory(groupID, before: before, limit: limit)
        case "ADDFRIEND": return .addFriend(try userID(single(&args, usage: "ADDFRIEND <uid>")))
        case "REMOVEFRIEND": return .removeFriend(try userID(single(&args, usage: "REMOVEFRIEND <uid>")))
        case "GETFRIENDS": return try bare(.getFriends, "GETFRIENDS", &args)
        case "CREATEGROUP":
            let usage = GatewayError.usage("CREATEGROUP <name> [<description>]")
            guard let name = args.next(), name.utf8.count <= maxGroupNameBytes else { throw usage }
            let description = args.rest() ?? ""
            // Stored as SQL text, which ends at a NUL: refused rather than cut.
            guard !name.utf8.contains(0), !description.utf8.contains(0) else {
                throw .service(.refused("a group name or description may not contain NUL"))
            }
            return .createGroup(name: name, description: description)
        case "JOINGROUP": return .joinGroup(try groupID(single(&args, usage: "JOINGROUP <gid>")))
        case "LEAVEGROUP": return .leaveGroup(try groupID(single(&args, usage: "LEAVEGROUP <gid>")))
        case "GROUPS": return try bare(.groups, "GROUPS", &args)
        case "MEMBERS": return .members(try groupID(single(&args, usage: "MEMBERS <gid>")))
        case "GROUPINFO": return .groupInfo(try groupID(single(&args, usage: "GROUPINFO <gid>")))
        case "SENDGROUP":
            let usage = GatewayError.usage("SENDGROUP <gid> <text>")
            guard let group = args.next(), let text = args.rest() else { throw usage }
            return .sendGroup(try groupID(group), text: text, clientMessageID: clientMessageID)
        case "ACK":
            let usage = GatewayError.usage("ACK <msg_id> [<msg_id> ...]")
            var ids: [MessageID] = []
            while let token = args.next() {
                guard let id = MessageID(token), id > 0 else { throw usage }
                ids.append(id)
            }
            guard !ids.isEmpty, ids.count <= maxAckIDs else { throw usage }
            return .ack(ids)
        case "ACKMODE":
            switch try single(&args, usage: "ACKMODE <on|off>").lowercased() {
            case "on": return .ackMode(true)
            case "off": return .ackMode(false)
            default: throw .usage("ACKMODE <on|off>")
            }
        case "SYNC":
            let usage = GatewayError.usage("SYNC <after_msg_id> [<limit>]")
            guard let token = args.next(), let after = MessageID(token), after >= 0 else { throw usage }
            var limit = defaultSyncLimit
            if let token = args.next() {
                guard let value = Int(token), value > 0 else { throw usage }
                limit = min(value, maxSyncLimit)
            }
            guard args.isAtEnd else { throw usage }
            return .sync(after: after, limit: limit)
        case "STATUS":
            let usage = "STATUS <online|away|busy|invisible>"
            let word = try single(&args, usage: usage).lowercased()
            guard let status = PresenceStatus(rawValue: word), PresenceStatus.selectable.contains(status) else {
                throw .usage(usage)
            }
            return .status(status)
        case "WHO":
            return .who(try userIDs(&args, atMost: maxWhoUsers, usage: "WHO <uid> [<uid> ...]"))
        case "USER":
            return .user(named: try single(&args, usage: "USER <username>"))
        case "NAMES":
            return .names(try userIDs(&args, atMost: maxNamesUsers, usage: "NAMES <uid> [<uid> ...]"))
        case "LOGOUT": return try bare(.logout, "LOGOUT", &args)
        case "PULL": return try bare(.pull, "PULL", &args)
        case "PING": return try bare(.ping, "PING", &args)
        case "HELP": return try bare(.help, "HELP", &args)
        case "QUIT": return try bare(.quit, "QUIT", &args)
        default:
            throw .unknownCommand
        }
    }

    /// The command a line that failed to parse was meant to be (for metrics):
    /// its first word when that names a command; after an `@cid=` tag, which
    /// only sends take, SENDGROUP or else SEND. Nil for a line that names none.
    static func intendedCommand(of line: String) -> String? {
        var scanner = ArgumentScanner(line)
        guard let word = scanner.next()?.uppercased() else { return nil }
        if word.hasPrefix("@CID=") {
            return scanner.next()?.uppercased() == "SENDGROUP" ? "SENDGROUP" : "SEND"
        }
        return commandNames.contains(word) ? word : nil
    }

    /// The names `HELP` lists, in the contract's order.
    static let commandNames = [
        "REGISTER", "LOGIN", "LOGOUT", "SEND", "PULL", "ACK", "ACKMODE", "SYNC", "HISTORY", "GHISTORY", "ADDFRIEND", "REMOVEFRIEND",
        "GETFRIENDS", "CREATEGROUP", "JOINGROUP", "LEAVEGROUP", "GROUPS", "MEMBERS", "GROUPINFO", "SENDGROUP",
        "STATUS", "WHO", "USER", "NAMES", "PING", "HELP", "QUIT",
    ]

    /// Most uids one WHO may ask about.
    static let maxWhoUsers = 1000
    /// Most uids one NAMES may ask about (the contract's limit).
    static let maxNamesUsers = 100

    static let maxGroupNameBytes = 64

    /// The uids of a command like `WHO <uid> [<uid> ...]`: one at least, `atMost` at most.
    private static func userIDs(_ args: inout ArgumentScanner, atMost limit: Int, usage: String)
        throws(GatewayError) -> [UserID]
    {
        var users: [UserID] = []
        while let token = args.next() { users.append(try userID(token)) }
        guard !users.isEmpty, users.count <= limit else { throw .usage(usage) }
        return users
    }

    /// The one argument of a command like `JOINGROUP <gid>`.
    private static func single(_ args: inout ArgumentScanner, usage: String) throws(GatewayError) -> String {
        guard let token = args.next(), args.isAtEnd else { throw .usage(usage) }
        return token
    }

    /// `[<before_msg_id>] [<limit>]` of HISTORY and GHISTORY; before 0 means none.
    private static func page(_ args: inout ArgumentScanner, usage: GatewayError)
        throws(GatewayError) -> (before: MessageID?, limit: Int)
    {
        var before: MessageID?
        if let token = args.next() {
            guard let value = MessageID(token), value >= 0 else { throw usage }
            before = value == 0 ? nil : value
        }
        var limit = defaultHistoryLimit
        if let token = args.next() {
            guard let value = Int(token), value > 0 else { throw usage }
            limit = min(value, maxHistoryLimit)
        }
        guard args.isAtEnd else { throw usage }
        return (before, limit)
    }

    private static func bare(_ command: Command, _ name: String, _ args: inout ArgumentScanner)
        throws(GatewayError) -> Command
    {
        guard args.isAtEnd else { throw .usage(name) }
        return command
    }

    private static func userID(_ token: String) throws(GatewayError) -> UserID {
        guard let value = UserID(token), value > 0 else { throw .badUID }
        return value
    }

    private static func groupID(_ token: String) throws(GatewayError) -> GroupID {
        guard let value = GroupID(token), value > 0 else { throw .badGID }
        return value
    }

    private static func isValidDevice(_ device: String) -> Bool {
        NameCharacters.isValidName(device, maxLength: 32)
    }

    /// 1–64 of `A-Z a-z 0-9 _ -` (the name characters less the dot).
    private static func isValidClientMessageID(_ tag: String) -> Bool {
        NameCharacters.isValidName(tag, maxLength: 64) && !tag.utf8.contains(UInt8(ascii: "."))
    }
}

/// Reads space-separated arguments, then optionally the rest of the line.
///
/// Works on the UTF-8 bytes, not on Characters: a space followed by a
/// combining mark (or a zero-width joiner) is one Character to Swift, so a
/// Character scan would not see that space, and stepping over it would step
/// over the mark too. The text after it must be kept byte for byte.
struct ArgumentScanner {
    private static let space = UInt8(ascii: " ")
    private let line: String
    private var position: String.Index

    init(_ line: String) {
        self.line = line
        self.position = line.startIndex
    }

    var isAtEnd: Bool {
        line.utf8[position...].allSatisfy { $0 == Self.space }
    }

    /// The next space-separated token, skipping runs of spaces.
    mutating func next() -> String? {
        let bytes = line.utf8
        guard let start = bytes[position...].firstIndex(where: { $0 != Self.space }) else {
            position = line.endIndex
            return nil
        }
        // Both ends sit next to a space, an ASCII byte, so on scalar boundaries.
        let end = bytes[start...].firstIndex(of: Self.space) ?? bytes.endIndex
        position = end
        return String(line[start..<end])
    }

    /// The text after the single space that follows the last token, kept
    /// exactly; nil when it is empty.
    mutating func rest() -> String? {
        guard position < line.endIndex else { return nil }
        let text = line[line.utf8.index(after: position)...]
        position = line.endIndex
        return text.isEmpty ? nil : String(text)
    }
}
