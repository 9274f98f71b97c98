/// What the client must redo after a reconnect, learned from the commands
/// that succeeded: the last `LOGIN`/`REGISTER` (as a `LOGIN` with the same
/// device) and a `STATUS` other than online. Pure: fed request lines and
/// their replies.
public struct SessionMemory: Sendable, Equatable {
    public struct Credentials: Sendable, Equatable {
        public var username: String
        public var password: String
        /// nil: the server's default device (`cli`).
        public var device: String?

        public init(username: String, password: String, device: String? = nil) {
            self.username = username
            self.password = password
            self.device = device
        }

        /// The `LOGIN` line that logs these credentials in again.
        public var loginLine: String {
            (["LOGIN", username, password] + (device.map { [$0] } ?? [])).joined(separator: " ")
        }
    }

    public private(set) var credentials: Credentials?
    /// The uid the server gave on the last successful login.
    public private(set) var uid: Int64?
    /// The status set with `STATUS`, unless `online` (the default after a login).
    public private(set) var status: String?

    public init() {}

    /// Learns from one command and its reply.
    public mutating func observe(_ line: String, reply: ServerReply) {
        guard reply.isOK else { return }
        var words = line.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        if words.first?.hasPrefix("@") == true { words.removeFirst() }
        guard let command = words.first?.uppercased() else { return }
        switch command {
        case "LOGIN" where words.count >= 3, "REGISTER" where words.count >= 3:
            credentials = Credentials(username: words[1], password: words[2],
                                      device: command == "LOGIN" && words.count >= 4 ? words[3] : nil)
            uid = reply.field("uid").flatMap { Int64($0) }
            status = nil
        case "LOGOUT":
            forget()
        case "STATUS" where words.count >= 2:
            let status = words[1].lowercased()
            self.status = status == "online" ? nil : status
        default:
            break
        }
    }

    /// Stops logging in again (after a logout, a failed login again, a kick by another login).
    public mutating func forget() {
        credentials = nil
        uid = nil
        status = nil
    }

    /// The login worked again (the uid may be reported anew).
    mutating func loggedInAgain(uid: Int64?) {
        if let uid { self.uid = uid }
    }
}

/// Delays between connection attempts: `initial`, doubling up to `maximum`,
/// for at most `attempts` attempts in a row.
public struct Backoff: Sendable, Equatable {
    public var initial: Duration
    public var maximum: Duration
    public var attempts: Int

    public init(initial: Duration = .milliseconds(200), maximum: Duration = .seconds(5), attempts: Int = 20) {
        self.initial = initial
        self.maximum = maximum
        self.attempts = attempts
    }

    /// The wait before attempt `attempt` (1-based) after a failure.
    public func delay(beforeAttempt attempt: Int) -> Duration {
        var delay = initial
        for _ in 1..<max(attempt, 1) {
            delay *= 2
            if delay >= maximum { return maximum }
        }
        return min(delay, maximum)
    }
}
