import MPIMClient
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Turns pushes, replies and connection events into the lines the user sees:
/// one line per event, in fixed formats, with ANSI colors only when `color`.
/// Pure apart from the clock (`now`, `formatTime`), which tests replace.
struct Renderer: Sendable {
    var color: Bool
    /// uid → username, for the users this client has looked up.
    var names: [Int64: String] = [:]
    /// The logged-in user: their messages read "you".
    var me: Int64?
    /// The device this session logged in as (nil: the default, `cli`), named
    /// when another login of the same device signs this one out.
    var device: String?
    /// Unix ms → `HH:MM:SS` (or a full date when not today).
    var formatTime: @Sendable (Int64) -> String = Renderer.localTime
    /// Unix ms now, for pushes that carry no time.
    var now: @Sendable () -> Int64 = Renderer.currentMillis

    /// The sender uid of the server's own messages (an admin broadcast).
    static let serverUID: Int64 = 0

    init(color: Bool) {
        self.color = color
    }

    // MARK: Pushes and messages

    func push(_ push: ServerPush) -> String {
        switch push {
        case .message(let message), .groupMessage(let message):
            return self.message(message)
        case .sent(let sent):
            // A copy of what this user sent from another device.
            return stamp(sent.timestamp) + paint("you", .green, bold: true) + " → "
                + paint(user(sent.to), .cyan) + ": " + clean(sent.text)
        case .presence(let uid, let status):
            return stamp(now()) + paint("* \(user(uid)) is \(status)", .yellow)
        case .kicked(let reason):
            return stamp(now()) + paint("! " + kicked(Kick(reason: reason)), .red)
        }
    }

    /// `[12:00:01] bob: hi` / `[12:00:01] [group 3] you: hi` / `[12:00:01] server: maintenance at noon`
    func message(_ message: ReceivedMessage) -> String {
        let group = message.group.map { paint("[group \($0)] ", .magenta) } ?? ""
        let sender = switch message.from {
        case Self.serverUID: paint("server", .yellow, bold: true)
        case me: paint("you", .green, bold: true)
        default: paint(user(message.from), .cyan, bold: true)
        }
        return stamp(message.timestamp) + group + sender + ": " + clean(message.text)
    }

    /// The username when known, else `user 2`.
    func user(_ uid: Int64) -> String {
        names[uid] ?? "user \(uid)"
    }

    /// What a kick means here, in plain words.
    func kicked(_ kick: Kick) -> String {
        let again = " (/login to sign in here again)"
        switch kick {
        case .signedOut("duplicate login"):
            return "signed in on another \(device ?? "cli") device; signed out here" + again
        case .signedOut("too many devices"):
            return "signed out here: too many other devices signed in" + again
        case .signedOut(let reason):
            return "signed out by the server: \(clean(reason))" + again
        case .dropped(let reason):
            return "kicked by the server: \(clean(reason))"
        }
    }

    // MARK: Replies

    /// The lines a command's reply shows.
    func reply(to request: Request, _ reply: ServerReply) -> [String] {
        if case .raw = request {
            return (reply.data + [reply.final]).map(clean)
        }
        guard reply.isOK else { return [error(serverError(reply.text))] }
        let text = reply.text
        switch request {
        case .register(let username, _):
            return [success("registered and logged in as \(username) (\(reply.field("uid") ?? "?"))")]
        case .login(let username, _, _):
            return [success("logged in as \(username) (\(reply.field("uid") ?? "?"))")]
        case .logout:
            return [success("logged out")]
        case .send(let uid, _):
            return [success("sent msg \(reply.field("msg_id") ?? "?") to \(user(uid))")]
        case .sendGroup(let gid, _):
            return [success("sent msg \(reply.field("group_msg_id") ?? "?") to group \(gid)")]
        case .pull:
            return messages(reply) + [success("pulled \(count(reply.data.count, "message"))")]
        case .history(let uid, _):
            return messages(reply) + [success("history with \(user(uid)): \(count(reply.data.count, "message"))")]
        case .groupHistory(let gid, _):
            return messages(reply) + [success("history of group \(gid): \(count(reply.data.count, "message"))")]
        case .friends:
            return [success("friends: " + list(after: "friends:", in: text, as: user))]
        case .addFriend(let uid):
            return [success("added friend \(user(uid))")]
        case .groups:
            return [success("groups: " + list(after: "groups:", in: text) { "\($0)" })]
        case .join(let gid):
            return [success("joined group \(gid)")]
        case .leave(let gid):
            return [success("left group \(gid)")]
        case .members(let gid):
            return [success("members of group \(gid): " + list(after: "members:", in: text, as: user))]
        case .createGroup(let name, _):
            return [success("created group \(reply.field("group_id") ?? "?") \"\(clean(name))\"")]
        case .status:
            return [success("status: \(reply.field("status") ?? text)")]
        case .who:
            let statuses = text.split(separator: " ").compactMap { word -> String? in
                let parts = word.split(separator: "=", maxSplits: 1)
                guard parts.count == 2, let uid = Int64(parts[0]) else { return nil }
                return "\(user(uid)) \(parts[1])"
            }
            return [success("who: " + statuses.joined(separator: ", "))]
        case .raw:
            return []  // handled above
        }
    }

    /// The `PULL` right after a login: what waited, and how much.
    func waiting(_ reply: ServerReply) -> [String] {
        guard reply.isOK else { return [error("could not fetch waiting messages: \(serverError(reply.text))")] }
        guard !reply.data.isEmpty else { return [notice("no messages arrived while you were away")] }
        return [notice("\(count(reply.data.count, "message")) arrived while you were away:")] + messages(reply)
    }

    /// A server's `-ERR` reason, with what to do about the ones a user meets.
    func serverError(_ reason: String) -> String {
        switch reason {
        case "not login": "not logged in: /login <username> or /register <username> first"
        case "already logged in": "already logged in" + (me.map { " as \(user($0))" } ?? "") + ": /logout first"
        default: reason
        }
    }

    private func messages(_ reply: ServerReply) -> [String] {
        reply.data.map { line in
            switch ServerPush(line: line) {
            case .message(let message), .groupMessage(let message): self.message(message)
            default: clean(line)
            }
        }
    }

    /// `+OK friends: 2,3` → `bob, carol`; `none` when empty.
    private func list(after label: String, in text: String, as name: (Int64) -> String) -> String {
        let items = ReplyList.items(after: label, in: text).map { Int64($0).map(name) ?? clean(String($0)) }
        return items.isEmpty ? "none" : items.joined(separator: ", ")
    }

    private func count(_ n: Int, _ noun: String) -> String {
        "\(n) \(noun)\(n == 1 ? "" : "s")"
    }

    // MARK: Connection events and notes

    func event(_ event: ReconnectingSession.Event, server: String) -> [String] {
        switch event {
        case .connected(let greeting, let again):
            let welcome = greeting.dropFirst("+OK ".count)
            return [notice("\(again ? "reconnected" : "connected") to \(server) (\(clean(String(welcome))))")]
        case .connectFailed(let reason, let delay, let attempt, let attempts):
            return [notice("cannot connect to \(server): \(reason); retrying in \(seconds(delay)) (attempt \(attempt) of \(attempts))")]
        case .disconnected(_, let kick?, _) where kick.signsOut:
            return []  // the kick's own line said it all; the client reconnects, logged out
        case .disconnected(let reason, _, let loginAgain):
            return [notice("disconnected (\(clean(reason))); reconnecting" + (loginAgain ? " and logging in again" : ""))]
        case .push(let push, _):
            return [self.push(push)]
        case .unsolicited(let line):
            return [notice("server: \(clean(line))")]
        case .loggedInAgain(let username, let uid, let status):
            return [notice("logged in again as \(username) (\(uid.map(String.init) ?? "?"))"
                           + (status.map { ", status \($0)" } ?? ""))]
        case .loginAgainFailed(let username, let reason):
            return [error("logging in again as \(username) failed: \(clean(reason))")]
        case .missed(let messages):
            return [notice("\(count(messages.count, "message")) arrived while disconnected:")] + messages.map(message)
        case .gaveUp(let attempts):
            return [error("gave up: \(attempts) attempts in a row to connect to \(server) failed")]
        }
    }

    func error(_ text: String) -> String { paint("error: \(clean(text))", .red) }
    func notice(_ text: String) -> String { paint("* \(text)", .dim) }
    func success(_ text: String) -> String { paint(text, .dim) }

    // MARK: Formatting

    enum Style: String {
        case dim = "2", red = "31", green = "32", yellow = "33", magenta = "35", cyan = "36"
    }

    func paint(_ text: String, _ style: Style, bold: Bool = false) -> String {
        guard color else { return text }
        return "\u{1B}[\(bold ? "1;" : "")\(style.rawValue)m\(text)\u{1B}[0m"
    }

    private func stamp(_ millis: Int64) -> String {
        paint("[\(formatTime(millis))]", .dim) + " "
    }

    /// Control characters from the network could move the cursor or recolor the
    /// terminal: each is shown in caret notation (`^[` for ESC) instead.
    func clean(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: Self.isControl) else { return text }
        var out = ""
        for scalar in text.unicodeScalars {
            if scalar.value < 0x20 || scalar.value == 0x7F {
                out += "^" + String(UnicodeScalar(UInt8(scalar.value ^ 0x40)))
            } else if Self.isControl(scalar) {
                out += "\u{FFFD}"
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    private static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value)
    }

    private func seconds(_ duration: Duration) -> String {
        let millis = duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
        return millis % 1000 == 0 ? "\(millis / 1000)s" : "\(Double(millis) / 1000)s"
    }

    static func currentMillis() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Int64(now.tv_sec) * 1000 + Int64(now.tv_nsec) / 1_000_000
    }

    /// Local `HH:MM:SS`, preceded by `YYYY-MM-DD ` when not today.
    static func localTime(_ millis: Int64) -> String {
        func fields(_ seconds: Int) -> tm {
            var time = time_t(seconds)
            var parts = tm()
            localtime_r(&time, &parts)
            return parts
        }
        let parts = fields(Int(millis / 1000))
        let today = fields(Int(currentMillis() / 1000))
        func two(_ n: Int32) -> String { n < 10 ? "0\(n)" : "\(n)" }
        let clock = "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec))"
        if parts.tm_year == today.tm_year && parts.tm_yday == today.tm_yday { return clock }
        return "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday)) \(clock)"
    }
}
