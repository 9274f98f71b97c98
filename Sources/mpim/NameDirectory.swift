import MPIMClient

/// The usernames this client has learned, both ways: from `NAMES` and `USER`
/// replies and its own logins. Kept for the whole run, as a uid's username
/// never changes. Pure.
struct NameDirectory: Sendable, Equatable {
    /// uid → username.
    private(set) var names: [Int64: String] = [:]
    /// username → uid.
    private(set) var uids: [String: Int64] = [:]
    /// uids the server said do not exist: not asked about again.
    private var missing: Set<Int64> = []

    /// How many uids one `NAMES` may ask about (the protocol's limit).
    static let namesPerRequest = 100

    mutating func learn(uid: Int64, name: String) {
        names[uid] = name
        uids[name] = uid
    }

    /// The server said there is no user `uid`.
    func isMissing(_ uid: Int64) -> Bool {
        missing.contains(uid)
    }

    /// The server answered `no such user` for `uid`.
    mutating func markMissing(_ uid: Int64) {
        missing.insert(uid)
    }

    /// Reads a `NAMES` reply's text, `1=alice 2=bob`.
    mutating func learn(namesReply text: String) {
        for word in text.split(separator: " ") {
            let parts = word.split(separator: "=", maxSplits: 1)
            guard parts.count == 2, let uid = Int64(parts[0]), !parts[1].isEmpty else { continue }
            learn(uid: uid, name: String(parts[1]))
        }
    }

    /// The uids among `wanted` worth asking `NAMES` about, once each, in order:
    /// positive (0 is the server itself), not known, not known to be missing.
    func unknown(among wanted: some Sequence<Int64>) -> [Int64] {
        var seen = Set<Int64>()
        return wanted.filter { uid in
            uid > 0 && names[uid] == nil && !missing.contains(uid) && seen.insert(uid).inserted
        }
    }
}

// MARK: Which uids a line will show

extension ServerPush {
    /// The users this push names.
    var mentionedUIDs: [Int64] {
        switch self {
        case .message(let message), .groupMessage(let message): [message.from]
        case .sent(let sent): [sent.to]
        case .presence(let uid, _): [uid]
        case .kicked: []
        }
    }
}

extension Request {
    /// The users the reply to this request names: the request's own, the
    /// senders of the messages it returns, the uids it lists.
    func mentionedUIDs(in reply: ServerReply) -> [Int64] {
        let senders = reply.messages.map(\.from)
        guard reply.isOK else { return [] }
        switch self {
        case .send(let uid, _), .addFriend(let uid): return [uid]
        case .history(let uid, _): return [uid] + senders
        case .pull, .groupHistory: return senders
        case .who(let uids): return uids
        case .friends: return ReplyList.uids(after: "friends:", in: reply.text)
        case .members: return ReplyList.uids(after: "members:", in: reply.text)
        default: return []
        }
    }
}

/// The comma-separated lists of ids in replies (`+OK friends: 2,3`).
enum ReplyList {
    /// The items after `label`, as written (`2`, `3`).
    static func items(after label: String, in text: String) -> [Substring] {
        text.dropFirst(text.hasPrefix(label) ? label.count : 0)
            .split(whereSeparator: { $0 == "," || $0 == " " })
    }

    static func uids(after label: String, in text: String) -> [Int64] {
        items(after: label, in: text).compactMap { Int64($0) }
    }
}
