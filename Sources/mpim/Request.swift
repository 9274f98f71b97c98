/// A command resolved into what goes over the wire: uids instead of names,
/// the conversation and the password filled in.
enum Request: Equatable, Sendable {
    case register(username: String, password: String)
    case login(username: String, password: String, device: String?)
    case logout
    case send(to: Int64, text: String)
    case sendGroup(gid: Int64, text: String)
    case pull
    case history(with: Int64, limit: Int?)
    case groupHistory(gid: Int64, limit: Int?)
    case friends
    case addFriend(Int64)
    case groups
    case join(gid: Int64)
    case leave(gid: Int64)
    case members(gid: Int64)
    case createGroup(name: String, description: String?)
    case status(String)
    case who([Int64])
    case raw(String)

    /// The protocol line.
    var line: String {
        switch self {
        case .register(let username, let password): "REGISTER \(username) \(password)"
        case .login(let username, let password, let device):
            "LOGIN \(username) \(password)" + (device.map { " \($0)" } ?? "")
        case .logout: "LOGOUT"
        case .send(let uid, let text): "SEND \(uid) \(text)"
        case .sendGroup(let gid, let text): "SENDGROUP \(gid) \(text)"
        case .pull: "PULL"
        // 0 as before_msg_id: from the newest (mpim's HISTORY extension).
        case .history(let uid, let limit): "HISTORY \(uid)" + (limit.map { " 0 \($0)" } ?? "")
        case .groupHistory(let gid, let limit): "GHISTORY \(gid)" + (limit.map { " 0 \($0)" } ?? "")
        case .friends: "GETFRIENDS"
        case .addFriend(let uid): "ADDFRIEND \(uid)"
        case .groups: "GROUPS"
        case .join(let gid): "JOINGROUP \(gid)"
        case .leave(let gid): "LEAVEGROUP \(gid)"
        case .members(let gid): "MEMBERS \(gid)"
        case .createGroup(let name, let description): "CREATEGROUP \(name)" + (description.map { " \($0)" } ?? "")
        case .status(let status): "STATUS \(status)"
        case .who(let uids): "WHO " + uids.map(String.init).joined(separator: " ")
        case .raw(let line): line
        }
    }
}

/// What one input line asks the client to do.
enum Step: Equatable, Sendable {
    case request(Request)
    /// `/chat`: plain lines go to this uid from now on (nil: to nobody).
    case converse(with: Int64?)
    case help
    case quit
    case nothing
}

/// Turns a parsed command into a step, given the usernames learned so far
/// and the current conversation. Pure: usernames are looked up (`USER`)
/// before, by the controller.
struct Planner {
    /// The usernames and uids learned so far.
    var directory = NameDirectory()
    /// Where plain lines go (only while logged in).
    var conversation: Int64?
    /// Whether this session is logged in, as far as the client knows.
    var loggedIn = false

    func plan(_ command: ChatCommand) throws(CommandError) -> Step {
        switch command {
        case .register(let username, let password):
            return .request(.register(username: username, password: try given(password, "register", username)))
        case .login(let username, let password, let device):
            let password = try given(password, "login", username)
            return .request(.login(username: username, password: password, device: device))
        case .logout: return .request(.logout)
        case .message(let to, let text): return .request(.send(to: try uid(of: to), text: text))
        case .say(let text):
            guard loggedIn else { throw Self.notLoggedIn }
            guard let conversation else {
                throw CommandError("no conversation: /chat <user> first, or /msg <user> <text> (/help lists the commands)")
            }
            return .request(.send(to: conversation, text: text))
        case .chat(let recipient):
            guard let recipient else { return .converse(with: nil) }
            guard loggedIn else { throw Self.notLoggedIn }
            return .converse(with: try uid(of: recipient))
        case .groupMessage(let gid, let text): return .request(.sendGroup(gid: gid, text: text))
        case .pull: return .request(.pull)
        case .history(let with, let limit): return .request(.history(with: try uid(of: with), limit: limit))
        case .groupHistory(let gid, let limit): return .request(.groupHistory(gid: gid, limit: limit))
        case .friends: return .request(.friends)
        case .addFriend(let recipient): return .request(.addFriend(try uid(of: recipient)))
        case .groups: return .request(.groups)
        case .join(let gid): return .request(.join(gid: gid))
        case .leave(let gid): return .request(.leave(gid: gid))
        case .members(let gid): return .request(.members(gid: gid))
        case .createGroup(let name, let description): return .request(.createGroup(name: name, description: description))
        case .status(let status): return .request(.status(status))
        case .who(let recipients):
            var uids: [Int64] = []
            for recipient in recipients { uids.append(try uid(of: recipient)) }
            return .request(.who(uids))
        case .raw(let line): return .request(.raw(line))
        case .help: return .help
        case .quit: return .quit
        case .nothing: return .nothing
        }
    }

    static let notLoggedIn = CommandError("not logged in: /login <username> or /register <username> first")

    /// A username the controller has not looked up (or the server did not know) stays unknown.
    func uid(of recipient: Recipient) throws(CommandError) -> Int64 {
        switch recipient {
        case .uid(let uid):
            return uid
        case .name(let name):
            guard let uid = directory.uids[name] else { throw CommandError("no such user: \(name)") }
            return uid
        }
    }

    /// On a terminal the input line asks for a missing password before the
    /// command gets here; a script has to give it.
    private func given(_ password: String?, _ command: String, _ username: String) throws(CommandError) -> String {
        guard let password else {
            throw CommandError("/\(command) \(username): no password given (only a terminal can be asked for one): "
                               + "/\(command) <username> <password>")
        }
        return password
    }
}

extension ChatCommand {
    /// The usernames (not uids) this command names, to look up before planning it.
    var usernames: [String] {
        let recipients: [Recipient] = switch self {
        case .message(let to, _): [to]
        case .chat(let recipient?), .addFriend(let recipient), .history(let recipient, _): [recipient]
        case .who(let recipients): recipients
        default: []
        }
        return recipients.compactMap { recipient in
            if case .name(let name) = recipient { name } else { nil }
        }
    }
}
