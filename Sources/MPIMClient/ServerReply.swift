import MPIMLineCodec

/// The complete answer to one command: its data lines (if the command has
/// any) and the final `+OK …` / `-ERR …` line.
public struct ServerReply: Sendable, Equatable {
    /// Data lines before the final line, as received (`MSG …`/`GMSG …`).
    public var data: [String]
    /// The final line, `+OK …` or `-ERR …`.
    public var final: String

    public init(data: [String] = [], final: String) {
        self.data = data
        self.final = final
    }

    public var isOK: Bool { final.hasPrefix("+OK") }

    /// What follows `+OK ` or `-ERR ` (`"no such user"`, `"uid=7"`).
    public var text: String {
        for prefix in ["+OK", "-ERR"] where final.hasPrefix(prefix) {
            return String(final.dropFirst(prefix.count).drop { $0 == " " })
        }
        return final
    }

    /// The value of `key=` in the final line (`uid`, `msg_id`, `count`, …).
    public func field(_ key: String) -> String? {
        MPIMLineCodec.field(final, key)
    }

    /// The data lines parsed as messages; lines that do not parse are left out.
    public var messages: [ReceivedMessage] {
        data.compactMap { line in
            switch ServerPush(line: line) {
            case .message(let message), .groupMessage(let message): message
            default: nil
            }
        }
    }
}

/// What a command's reply looks like: a single final line, or data lines of
/// some push words first. Decided from the command line alone, so `/raw` lines
/// are read correctly too.
public struct ReplyShape: Sendable, Equatable {
    /// Push words that are data lines of this reply rather than pushes.
    public var dataWords: Set<String>

    public static let single = ReplyShape(dataWords: [])

    /// PULL and SYNC return both kinds; HISTORY only `MSG`; GHISTORY only `GMSG`.
    public init(commandLine line: String) {
        var words = line.split(separator: " ", maxSplits: 2).map { $0.uppercased() }
        if words.first?.hasPrefix("@") == true { words.removeFirst() }  // an @cid= tag
        switch words.first {
        case "PULL", "SYNC": dataWords = ["MSG", "GMSG"]
        case "HISTORY": dataWords = ["MSG"]
        case "GHISTORY": dataWords = ["GMSG"]
        default: dataWords = []
        }
    }

    init(dataWords: Set<String>) {
        self.dataWords = dataWords
    }
}
