/// A line the server writes on its own (`MSG`, `GMSG`, `PRESENCE`, `KICKED`),
/// also the shape of the data lines of `PULL`, `HISTORY`, `GHISTORY` and `SYNC`.
public enum ServerPush: Sendable, Equatable {
    /// `MSG id=… from=… ts=… text=…`
    case message(ChatMessage)
    /// `GMSG id=… group=… from=… ts=… text=…` (`group` is set)
    case groupMessage(ChatMessage)
    /// `PRESENCE uid=… status=…`
    case presence(uid: Int64, status: String)
    /// `KICKED reason=…`; the server closes the connection after it.
    case kicked(reason: String)

    /// The words a push line starts with.
    public static let words: Set<String> = ["MSG", "GMSG", "PRESENCE", "KICKED"]

    /// Parses one push line; nil when it is not a well-formed push.
    public init?(line: String) {
        let (word, rest) = splitWord(line)
        switch word {
        case "MSG", "GMSG":
            guard let fields = FieldList(rest, lastField: "text"),
                  let id = fields.int("id"), let from = fields.int("from"), let text = fields["text"] else { return nil }
            let group = fields.int("group")
            if word == "GMSG" && group == nil { return nil }
            let message = ChatMessage(id: id, group: word == "GMSG" ? group : nil, from: from,
                                      timestamp: fields.int("ts") ?? 0, text: text)
            self = word == "MSG" ? .message(message) : .groupMessage(message)
        case "PRESENCE":
            guard let fields = FieldList(rest, lastField: nil),
                  let uid = fields.int("uid"), let status = fields["status"] else { return nil }
            self = .presence(uid: uid, status: status)
        case "KICKED":
            guard let fields = FieldList(rest, lastField: "reason"), let reason = fields["reason"] else { return nil }
            self = .kicked(reason: reason)
        default:
            return nil
        }
    }
}

/// One stored message as the server shows it.
public struct ChatMessage: Sendable, Equatable {
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

/// `key=value` fields separated by single spaces; `lastField`, when it comes,
/// runs to the end of the line (`text=` keeps its spaces). Unknown keys are kept,
/// so fields the server may add later do not break parsing.
struct FieldList {
    private var values: [String: String] = [:]

    init?(_ text: Substring, lastField: String?) {
        var rest = text
        while !rest.isEmpty {
            if let lastField, rest.hasPrefix(lastField + "=") {
                values[lastField] = String(rest.dropFirst(lastField.count + 1))
                return
            }
            let token = rest.prefix { $0 != " " }
            rest = rest.dropFirst(token.count).drop { $0 == " " }
            guard let equals = token.firstIndex(of: "=") else { return nil }
            values[String(token[..<equals])] = String(token[token.index(after: equals)...])
        }
    }

    subscript(key: String) -> String? { values[key] }

    func int(_ key: String) -> Int64? { values[key].flatMap { Int64($0) } }
}

/// The first space-separated word and what follows the space after it.
func splitWord(_ line: String) -> (word: String, rest: Substring) {
    guard let space = line.firstIndex(of: " ") else { return (line, "") }
    return (String(line[..<space]), line[line.index(after: space)...])
}
