import MPIMCore

/// A parsed command line (PROTOCOL.md, "Commands").
public enum Command: Equatable, Sendable {
    case register(username: String, password: String)
    case login(username: String, password: String, device: String)
    case logout
    case send(to: UserID, text: String, clientMessageID: String?)
    case pull
    case ack([MessageID])
    case ackMode(Bool)
    case sync(after: MessageID, limit: Int)
    case history(peer: UserID, before: MessageID?, limit: Int)
    case addFriend(UserID)
    case removeFriend(UserID)
    case getFriends
    case createGroup(name: String, description: String)
    case joinGroup(GroupID)
    case leaveGroup(GroupID)
    case groups
    case members(GroupID)
    case groupInfo(GroupID)
    case sendGroup(GroupID, text: String, clientMessageID: String?)
    case groupHistory(GroupID, before: MessageID?, limit: Int)
    case status(PresenceStatus)
    case who([UserID])
    case user(named: String)
    case names([UserID])
    case ping
    case help
    case quit

    /// The command word, for logs and metrics.
    var name: String {
        switch self {
        case .register: "REGISTER"
        case .login: "LOGIN"
        case .logout: "LOGOUT"
        case .send: "SEND"
        case .pull: "PULL"
        case .ack: "ACK"
        case .ackMode: "ACKMODE"
        case .sync: "SYNC"
        case .history: "HISTORY"
        case .addFriend: "ADDFRIEND"
        case .removeFriend: "REMOVEFRIEND"
        case .getFriends: "GETFRIENDS"
        case .createGroup: "CREATEGROUP"
        case .joinGroup: "JOINGROUP"
        case .leaveGroup: "LEAVEGROUP"
        case .groups: "GROUPS"
        case .members: "MEMBERS"
        case .groupInfo: "GROUPINFO"
        case .sendGroup: "SENDGROUP"
        case .groupHistory: "GHISTORY"
        case .status: "STATUS"
        case .who: "WHO"
        case .user: "USER"
        case .names: "NAMES"
        case .ping: "PING"
        case .help: "HELP"
        case .quit: "QUIT"
        }
    }

    /// Whether the command needs a logged-in session.
    var needsLogin: Bool {
        switch self {
        case .register, .login, .ackMode, .ping, .help, .quit: false
        default: true
        }
    }
}

/// What a line is: nothing to answer, or a command.
public enum ParsedLine: Equatable, Sendable {
    case blank
    case command(Command)
}
