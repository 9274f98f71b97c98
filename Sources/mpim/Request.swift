/// A command resolved into what goes over the wire: uids instead of names,
/// the conversation filled in.
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

/// Turns a parsed command into a step, given the usernames seen this session
/// and the current conversation. Pure.
struct Planner {
    /// Usernames whose uid this client has learned (its own logins).
    var knownNames: [String: Int64] = [:]
    /// Where plain lines go.
    var conversation: Int64?

    func plan(_ command: ChatCommand) throws(CommandError) -> Step {
        switch command {
        case .register(let username, let password): return .request(.register(username: username, password: password))
        case .login(let username, let password, let device):
            return .request(.login(username: username, password: password, device: device))
        case .logout: return .request(.logout)
        case .message(let to, let text): return .request(.send(to: try uid(of: to), text: text))
        case .say(let text):
            guard let conversation else {
                throw CommandError("no conversation: /chat <uid> first, or /msg <uid> <text> (/help lists the commands)")
            }
            return .request(.send(to: conversation, text: text))
        case .chat(let recipient):
            guard let recipient else { return .converse(with: nil) }
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

    /// The protocol has no username lookup: only names seen this session resolve.
    func uid(of recipient: Recipient) throws(CommandError) -> Int64 {
        switch recipient {
        case .uid(let uid):
            return uid
        case .name(let name):
            if let uid = knownNames[name] { return uid }
            let known = knownNames.sorted { $0.value < $1.value }.map { "\($0.key)=\($0.value)" }
            throw CommandError("unknown user \"\(name)\": the protocol cannot look up usernames, so use the uid"
                               + (known.isEmpty ? "" : " (known here: \(known.joined(separator: ", ")))"))
        }
    }
}
