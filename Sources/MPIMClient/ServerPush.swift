import MPIMLineCodec

/// A line the server writes on its own (`MSG`, `GMSG`, `SENT`, `PRESENCE`, `KICKED`),
/// also the shape of the data lines of `PULL`, `HISTORY`, `GHISTORY` and `SYNC`.
public enum ServerPush: Sendable, Equatable {
    /// `MSG id=… from=… ts=… text=…`
    case message(ReceivedMessage)
    /// `GMSG id=… group=… from=… ts=… text=…` (`group` is set)
    case groupMessage(ReceivedMessage)
    /// `SENT id=… to=… ts=… text=…`: a 1:1 message this user sent from another session.
    case sent(SentMessage)
    /// `PRESENCE uid=… status=…`
    case presence(uid: Int64, status: String)
    /// `KICKED reason=…`; the server closes the connection after it.
    case kicked(reason: String)

    /// The words a push line starts with.
    public static let words: Set<String> = ["MSG", "GMSG", "SENT", "PRESENCE", "KICKED"]

    /// Parses one push line; nil when it is not a well-formed push (a field it
    /// needs is missing or not a number). Fields are read as `field` reads them,
    /// so a word it does not know is skipped, whether `key=value` or not.
    public init?(line: String) {
        func int(_ key: String) -> Int64? { field(line, key).flatMap { Int64($0) } }
        switch firstWord(line) {
        case "MSG":
            guard let id = int("id"), let from = int("from"), let text = field(line, "text") else { return nil }
            self = .message(ReceivedMessage(id: id, from: from, timestamp: int("ts") ?? 0, text: text))
        case "GMSG":
            guard let id = int("id"), let group = int("group"), let from = int("from"),
                  let text = field(line, "text") else { return nil }
            self = .groupMessage(ReceivedMessage(id: id, group: group, from: from, timestamp: int("ts") ?? 0, text: text))
        case "SENT":
            guard let id = int("id"), let to = int("to"), let text = field(line, "text") else { return nil }
            self = .sent(SentMessage(id: id, to: to, timestamp: int("ts") ?? 0, text: text))
        case "PRESENCE":
            guard let uid = int("uid"), let status = field(line, "status") else { return nil }
            self = .presence(uid: uid, status: status)
        case "KICKED":
            guard let reason = field(line, "reason") else { return nil }
            self = .kicked(reason: reason)
        default:
            return nil
        }
    }
}

/// One stored message as the server shows it.
public struct ReceivedMessage: Sendable, Equatable {
    public var id: Int64
    /// The group of a `GMSG`; nil for a 1:1 `MSG`.
    public var group: Int64?
    public var from: Int64
    /// Unix time in milliseconds (0 when the line had no `ts=`).
    public var timestamp: Int64
    public var text: String

    public init(id: Int64, group: Int64? = nil, from: Int64, timestamp: Int64, text: String) {
        self.id = id
        self.group = group
        self.from = from
        self.timestamp = timestamp
        self.text = text
    }
}

/// A 1:1 message the user sent from another of their sessions (device), as the server copies it.
public struct SentMessage: Sendable, Equatable {
    public var id: Int64
    /// The recipient.
    public var to: Int64
    /// Unix time in milliseconds (0 when the line had no `ts=`).
    public var timestamp: Int64
    public var text: String

    public init(id: Int64, to: Int64, timestamp: Int64, text: String) {
        self.id = id
        self.to = to
        self.timestamp = timestamp
        self.text = text
    }
}

/// The line up to its first space: the push word (`MSG`) or the reply's `+OK`.
func firstWord(_ line: String) -> Substring {
    line.prefix { $0 != " " }
}
