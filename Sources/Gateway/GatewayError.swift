import MPIMCore

/// Every way a command can fail, as the gateway answers it.
public enum GatewayError: Error, Equatable, Sendable {
    case unknownCommand
    case usage(String)
    case badUID
    case badGID
    case notLoggedIn
    case alreadyLoggedIn
    case lineTooLong
    case invalidUTF8
    case rateLimited
    /// A WebSocket frame holding more than one line.
    case notOneLine
    /// A binary WebSocket frame.
    case notText
    case service(MPIMError)

    /// The one place failures become `-ERR` lines (PROTOCOL.md, "Replies").
    public var replyLine: String {
        switch self {
        case .unknownCommand: "-ERR unknown cmd"
        case .usage(let synopsis): "-ERR usage: \(synopsis)"
        case .badUID: "-ERR bad uid"
        case .badGID: "-ERR bad gid"
        case .notLoggedIn: "-ERR not login"
        case .alreadyLoggedIn: "-ERR already logged in"
        case .lineTooLong: "-ERR line too long"
        case .invalidUTF8: "-ERR invalid utf-8"
        case .rateLimited: "-ERR rate limited"
        case .notOneLine: "-ERR usage: one line per frame"
        case .notText: "-ERR text frames only"
        case .service(let error):
            switch error {
            case .noSuchUser: "-ERR no such user"
            case .noSuchGroup: "-ERR no such group"
            case .notMember: "-ERR not a member"
            case .refused(let reason): "-ERR \(reason)"
            case .authFailed: "-ERR auth failed"
            case .authLocked: "-ERR auth locked"
            case .userExists: "-ERR user exists"
            case .invalidUsername: "-ERR bad username: 1-32 of A-Z a-z 0-9 _ . -"
            case .invalidPassword: "-ERR bad password: 1-128 bytes, no spaces or NUL"
            case .internal(let reason): "-ERR internal \(reason)"
            case .unavailable: "-ERR unavailable"
            }
        }
    }
}
