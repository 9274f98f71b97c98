import Foundation
import TestSupport
import Testing

extension LineClient {
    /// `CREATEGROUP name [description]`, which must answer `+OK group_id=<n>`; returns the gid.
    func createGroup(_ name: String = "team", description: String? = nil) async throws -> Int {
        let line = "CREATEGROUP \(name)" + (description.map { " \($0)" } ?? "")
        let reply = try await cmd(line)
        guard reply.hasPrefix("+OK group_id="), let gid = intField(reply, "group_id") else {
            throw failure("\(line) answered \"\(reply)\", expected \"+OK group_id=<n>\"")
        }
        return gid
    }

    /// `JOINGROUP gid`, which must answer `+OK joined group`.
    func joinGroup(_ gid: Int) async throws {
        let reply = try await cmd("JOINGROUP \(gid)")
        guard reply == "+OK joined group" else {
            throw failure("JOINGROUP \(gid) answered \"\(reply)\", expected \"+OK joined group\"")
        }
    }

    /// `SENDGROUP gid text`, which must answer `+OK group_msg_id=<n>`; returns the id.
    func sendGroup(_ gid: Int, _ text: String, timeout: Duration = defaultTimeout) async throws -> Int {
        let reply = try await cmd("SENDGROUP \(gid) \(text)", timeout: timeout)
        guard reply.hasPrefix("+OK group_msg_id="), let id = intField(reply, "group_msg_id") else {
            throw failure("SENDGROUP \(gid) \(text) answered \"\(reply)\", expected \"+OK group_msg_id=<n>\"")
        }
        return id
    }

    /// The next `GMSG` push. `PRESENCE` pushes (friends coming and going) are
    /// passed over; any other push is returned, so the caller's check shows it.
    func groupPush(timeout: Duration = defaultTimeout) async throws -> String {
        let deadline = ContinuousClock.now + timeout
        while true {
            let line = try await push(timeout: deadline - ContinuousClock.now)
            if !line.hasPrefix("PRESENCE ") { return line }
        }
    }

    /// Waits `wait`, then takes the `MSG`/`GMSG` pushes that have arrived (not `PRESENCE`).
    func messagePushesNow(wait: Duration = .milliseconds(300)) async throws -> [String] {
        try await pushesNow(wait: wait).filter { !$0.hasPrefix("PRESENCE ") }
    }

    /// Expects no `MSG`/`GMSG` push within `wait` (`PRESENCE` pushes are allowed).
    func expectNoMessagePush(wait: Duration = .milliseconds(300), _ comment: Comment? = nil,
                             sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let pushes = try await messagePushesNow(wait: wait)
        #expect(pushes == [], comment, sourceLocation: sourceLocation)
    }

    /// Expects `line` to answer exactly `expected` within `timeout` (for a daemon whose Redis is down).
    func expectReply(_ line: String, _ expected: String, timeout: Duration, _ comment: Comment? = nil,
                     sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let reply = try await cmd(line, timeout: timeout)
        #expect(reply == expected, "\(line)\(comment.map { ": \($0)" } ?? "")", sourceLocation: sourceLocation)
    }
}

/// The `description=` field of a GROUPINFO reply: it is last and runs to the end of the line.
func descriptionField(_ line: String) -> String? {
    line.range(of: " description=").map { String(line[$0.upperBound...]) }
}

/// The exact `GROUPINFO` reply expected, with the `created_at` the reply itself carries
/// (which must be a unix-ms time within a minute of now).
func expectGroupInfo(_ reply: String, gid: Int, name: String, creator: Int, members: Int, description: String,
                     sourceLocation: SourceLocation = #_sourceLocation) {
    let createdAt = intField(reply, "created_at") ?? -1
    let expected = "+OK group_id=\(gid) name=\(name) creator=\(creator) members=\(members) "
        + "created_at=\(createdAt) description=\(description)"
    #expect(reply == expected, sourceLocation: sourceLocation)
    let now = Int(Date().timeIntervalSince1970 * 1000)
    #expect(abs(createdAt - now) < 60_000, "created_at is unix milliseconds: \(reply)", sourceLocation: sourceLocation)
}

extension TestCluster {
    /// Whether `key` exists in the cluster's Redis (`EXISTS`, inline protocol).
    func redisKeyExists(_ key: String) async throws -> Bool {
        let reply = try await redis.inlineCommand("EXISTS \(key)")
        guard reply == ":1" || reply == ":0" else {
            throw TestFailure("redis :\(redis.port): EXISTS \(key) answered \"\(reply)\"")
        }
        return reply == ":1"
    }

    /// Runs `body` for every index in `range`, at most `width` at a time; results in index order.
    func concurrently<T: Sendable>(_ range: Range<Int>, width: Int = 16,
                                   _ body: @escaping @Sendable (Int) async throws -> T) async throws -> [T] {
        try await withThrowingTaskGroup(of: (Int, T).self) { group in
            var results = [T?](repeating: nil, count: range.count)
            var next = range.lowerBound
            while next < range.upperBound && next - range.lowerBound < width {
                let index = next
                group.addTask { (index, try await body(index)) }
                next += 1
            }
            while let (index, value) = try await group.next() {
                results[index - range.lowerBound] = value
                if next < range.upperBound {
                    let index = next
                    group.addTask { (index, try await body(index)) }
                    next += 1
                }
            }
            return results.map { $0! }
        }
    }
}

/// Ids as `MEMBERS`/`GETFRIENDS`/`GROUPS` list them: ascending, comma-separated.
func idList(_ ids: [Int]) -> String {
    ids.sorted().map(String.init).joined(separator: ",")
}
