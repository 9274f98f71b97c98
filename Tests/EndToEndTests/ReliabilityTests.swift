import Foundation
import TestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Issue 5: break things on purpose — kill the daemon, stop Redis, send twice,
/// misbehave as a client — and check that nothing acknowledged is lost.
@Suite("Reliability")
struct ReliabilityTests {
    @Test("kill -9 of the daemon while a sender streams SENDs: every +OK msg_id is pulled after restart, none twice")
    func killNineMidStream() async throws {
        try await withCluster { cluster in
            let (a, _, _) = try await cluster.registeredClient()
            let (b, nameB, ub) = try await cluster.registeredClient()
            try await b.expectReply("LOGOUT", "+OK logout success")
            let daemon = cluster.daemons[0]
            var acknowledged: [Int] = []
            var killer: Task<Void, Never>?
            streaming: for chunk in 0..<200 {
                do {
                    try await a.sendRaw((0..<25).map { "SEND \(ub) m\(chunk)-\($0)\n" }.joined())
                    for _ in 0..<25 {
                        let reply = try await a.reply(timeout: .seconds(5))
                        guard let id = intField(reply, "msg_id") else { break streaming }
                        acknowledged.append(id)
                    }
                } catch {
                    break streaming  // the daemon died under us: expected
                }
                if killer == nil, acknowledged.count >= 300 {
                    // Killed while SENDs are in flight, not between them.
                    killer = Task { await daemon.kill() }
                }
            }
            await killer?.value
            #expect(acknowledged.count >= 300, "the sender got acknowledgements before the kill")
            #expect(acknowledged.count < 5000, "the kill happened mid-stream")

            try await daemon.start()
            let again = try await cluster.client()
            _ = try await again.login(nameB)
            let pulled = try await again.pull().compactMap { intField($0, "id") }
            #expect(Set(pulled).count == pulled.count, "no message twice in one PULL")
            let missing = Set(acknowledged).subtracting(pulled)
            #expect(missing.isEmpty, "acknowledged but lost: \(missing.sorted().prefix(10)) of \(missing.count)")
            #expect(try await again.pull().isEmpty, "the next PULL is empty")
            let (fresh, _, _) = try await cluster.registeredClient()
            let newID = try await fresh.sendMessage(to: ub, "after restart")
            #expect(newID > (acknowledged.max() ?? 0), "msg_ids keep increasing after the kill")
        }
    }

    @Test("ack mode: unacknowledged pushes come again at the next login and from PULL; acknowledged ones do not")
    func ackMode() async throws {
        try await withCluster(gateways: 2) { cluster in
            let (a, _, ua) = try await cluster.registeredClient(0)
            let (b, nameB, ub) = try await cluster.registeredClient(1)
            try await b.expectReply("ACKMODE on", "+OK ackmode=on")
            let ids = [
                try await a.sendMessage(to: ub, "one"),
                try await a.sendMessage(to: ub, "two"),
                try await a.sendMessage(to: ub, "three"),
            ]
            let group = try await a.createGroup("acked")
            try await b.joinGroup(group)
            let groupID = try await a.sendGroup(group, "to the group")
            var pushed: [Int] = []
            for _ in 0..<4 { pushed.append(intField(try await b.push(), "id") ?? 0) }
            #expect(pushed == ids + [groupID], "pushed on the other gateway, in order")
            try await b.expectReply("ACK \(ids[0])", "+OK acked=1")
            try await b.expectReply("ACK \(ids[0]) 999999999", "+OK acked=1", "foreign ids are not counted")
            b.close()

            let again = try await cluster.client(0)
            _ = try await again.login(nameB)
            let repushed = try await again.messagePushesNow(wait: .milliseconds(500)).compactMap { intField($0, "id") }
            #expect(repushed == [ids[1], ids[2], groupID], "unacknowledged ones are pushed again at login")
            // This session is not in ack mode, so those pushes delivered them.
            try await again.expectEmptyPull("delivered by the push at login")

            try await again.expectReply("ACKMODE on", "+OK ackmode=on")
            let four = try await a.sendMessage(to: ub, "four")
            #expect(intField(try await again.push(), "id") == four)
            let pulled = try await again.pull().compactMap { intField($0, "id") }
            #expect(pulled == [four], "an unacknowledged push is returned by PULL")
            try await again.expectEmptyPull("and only once")
            _ = ua
        }
    }

    @Test("the same @cid sent twice, the second time on a new connection after a restart, stores and pushes once")
    func idempotentSend() async throws {
        try await withCluster { cluster in
            let (a, nameA, _) = try await cluster.registeredClient()
            let (b, nameB, ub) = try await cluster.registeredClient()
            let first = try await a.cmd("@cid=retry-1 SEND \(ub) only once")
            let id = try #require(intField(first, "msg_id"), "\(first)")
            #expect(intField(try await b.push(), "id") == id)
            let group = try await a.createGroup("idem")
            try await b.joinGroup(group)
            let groupFirst = try await a.cmd("@cid=retry-2 SENDGROUP \(group) group once")
            #expect(intField(try await b.groupPush(), "id") == intField(groupFirst, "group_msg_id"))

            try await cluster.daemons[0].restart()
            let a2 = try await cluster.client()
            _ = try await a2.login(nameA)
            let b2 = try await cluster.client()
            _ = try await b2.login(nameB)
            try await a2.expectReply("@cid=retry-1 SEND \(ub) only once", "+OK msg_id=\(id)")
            try await a2.expectReply("@cid=retry-2 SENDGROUP \(group) group once", groupFirst)
            try await b2.expectNoMessagePush(wait: .milliseconds(500), "a repeat pushes nothing")
            try await b2.expectEmptyPull("a repeat stores nothing to pull")
            let (history, _) = try await a2.multi("HISTORY \(ub)")
            #expect(history.count == 1, "one stored message: \(history)")
            let other = try await a2.cmd("@cid=retry-3 SEND \(ub) new")
            #expect((intField(other, "msg_id") ?? 0) > id, "a new cid is a new message")
        }
    }

    @Test("SYNC on a second device returns what the first device was pushed, 1:1 and group, after its cursor")
    func syncSecondDevice() async throws {
        try await withCluster(gateways: 2) { cluster in
            let (a, _, _) = try await cluster.registeredClient(0)
            let (phone, nameB, ub) = try await cluster.registeredClient(1)
            let group = try await a.createGroup("sync")
            try await phone.joinGroup(group)
            var ids: [Int] = []
            ids.append(try await a.sendMessage(to: ub, "s1"))
            ids.append(try await a.sendGroup(group, "s2"))
            ids.append(try await a.sendMessage(to: ub, "s3"))
            for _ in ids { _ = try await phone.push() }
            try await phone.expectEmptyPull("all were pushed")

            let laptop = try await cluster.client(0)
            _ = try await laptop.login(nameB, device: "laptop")
            let (all, final) = try await laptop.multi("SYNC 0")
            #expect(all.compactMap { intField($0, "id") } == ids)
            #expect(final == "+OK sync_done last=\(ids[2])")
            #expect(all[1].hasPrefix("GMSG id=\(ids[1]) group=\(group) "), "\(all)")
            let (rest, restFinal) = try await laptop.multi("SYNC \(ids[0]) 1")
            #expect(rest.compactMap { intField($0, "id") } == [ids[1]], "after the cursor, up to the limit")
            #expect(restFinal == "+OK sync_done last=\(ids[1])")
            try await laptop.expectReply("SYNC \(ids[2])", "+OK sync_done last=\(ids[2])")
            try await laptop.expectReply("SYNC x", startsWith: "-ERR usage: SYNC")
        }
    }

    @Test("SIGTERM: exit status 0, clients get KICKED reason=server shutdown, routes are gone from Redis")
    func gracefulShutdown() async throws {
        try await withCluster { cluster in
            let (a, _, ua) = try await cluster.registeredClient()
            let (b, _, ub) = try await cluster.registeredClient()
            #expect(try await cluster.redisKeyExists("route:\(ua)"))
            let started = ContinuousClock.now
            let ending = await cluster.daemons[0].terminate(grace: .seconds(5))
            #expect(ending == "exited with status 0")
            #expect(ContinuousClock.now - started < .seconds(5))
            for client in [a, b] {
                #expect(try await client.push() == "KICKED reason=server shutdown")
                try await client.waitClosed()
            }
            #expect(try await !cluster.redisKeyExists("route:\(ua)"))
            #expect(try await !cluster.redisKeyExists("route:\(ub)"))
            #expect(try await !cluster.redisKeyExists("gateway:alive:\(cluster.daemons[0].gatewayID)"))
        }
    }

    @Test("200 clients holding partial lines and 20 that never read do not slow others down or grow memory without bound")
    func hostileClients() async throws {
        try await withCluster(config: slowConsumerConfig) { cluster in
            let daemon = cluster.daemons[0]
            var holders: [RawSocket] = []
            for _ in 0..<200 {
                let socket = try RawSocket(port: daemon.port)
                try socket.send("PING and never a newline")
                holders.append(socket)
            }
            var sleepers: [(socket: RawSocket, uid: Int)] = []
            for _ in 0..<20 {
                let (client, name, uid) = try await cluster.registeredClient()
                client.close()
                let socket = try RawSocket(port: daemon.port, receiveBuffer: 4096)
                try socket.send("LOGIN \(name) pw123\n")
                sleepers.append((socket, uid))
            }
            let (sender, _, _) = try await cluster.registeredClient()
            let (a, _, _) = try await cluster.registeredClient()
            let (b, _, ub) = try await cluster.registeredClient()
            let rssBefore = try residentKilobytes(of: try #require(daemon.pid))

            // Flood the sleepers with pushes while a and b chat: more than the
            // kernel's socket buffers hold, so the backlog lands on the server.
            let payload = String(repeating: "x", count: 40_000)
            let flood = Task {
                for round in 0..<80 {
                    let lines = sleepers.map { "SEND \($0.uid) \(round) \(payload)\n" }.joined()
                    try await sender.sendRaw(lines)
                    for _ in sleepers { _ = try await sender.reply(timeout: .seconds(10)) }
                }
            }
            var slowest: Duration = .zero
            for i in 0..<100 {
                let start = ContinuousClock.now
                _ = try await a.sendMessage(to: ub, "chat \(i)")
                _ = try await b.push()
                slowest = max(slowest, ContinuousClock.now - start)
            }
            try await flood.value
            #expect(slowest < .seconds(1), "a SEND→push round trip stayed fast: slowest \(slowest)")
            let rssAfter = try residentKilobytes(of: try #require(daemon.pid))
            #expect(rssAfter - rssBefore < 150_000, "RSS grew from \(rssBefore) kB to \(rssAfter) kB")
            let kicked = sleepers.filter { $0.socket.drainUntilClosed(within: .seconds(5)).hasSuffix("KICKED reason=slow consumer\n") }
            #expect(!kicked.isEmpty, "readers that fell behind were kicked as slow consumers\n\(daemon.logTail())")
            try await a.expectReply("PING", "+OK pong", "the daemon still answers")
            holders.forEach { $0.close() }
            sleepers.forEach { $0.socket.close() }
        }
    }

    @Test("fuzz: thousands of random lines and bytes over many connections get one reply each, and the daemon survives")
    func fuzz() async throws {
        try await withCluster { cluster in
            let port = cluster.daemons[0].port
            try await withThrowingTaskGroup(of: Void.self) { group in
                for connection in 0..<16 {
                    group.addTask {
                        var random = SplitMix64(seed: 0x6d70_696d + UInt64(connection))
                        let client = try await LineClient.connect(port: port, label: "fuzz \(connection)")
                        defer { client.close() }
                        let lines = (0..<250).map { _ in FuzzLine.make(&random) }
                        var bytes: [UInt8] = []
                        for line in lines { bytes += line + [UInt8(ascii: "\n")] }
                        try await client.sendRaw(bytes)
                        for index in lines.indices {
                            let reply: String
                            do {
                                reply = try await client.reply(timeout: .seconds(10), after: " to fuzz line \(index)")
                            } catch where client.isClosed {
                                // Fuzzers may log in as each other's random users: a duplicate
                                // login closes the older session, always with a reason.
                                let pushes = try await client.pushesNow(wait: .zero)
                                #expect(pushes.contains { $0.hasPrefix("KICKED reason=") },
                                        "connection \(connection) closed at line \(index) without a reason: \(pushes.suffix(3))")
                                return
                            }
                            #expect(reply.hasPrefix("+OK") || reply.hasPrefix("-ERR"), "line \(index): \(reply)")
                        }
                        try await client.expectReply("PING", "+OK pong", "connection \(connection) still in step")
                    }
                }
                try await group.waitForAll()
            }
            let after = try await cluster.client()
            try await after.expectReply("PING", "+OK pong", "the daemon survived")
        }
    }

    private var slowConsumerConfig: DaemonConfig {
        var config = DaemonConfig()
        config["gateway", "max_outbound_bytes"] = "65536"
        return config
    }
}

/// The daemon's resident memory, from /proc.
private func residentKilobytes(of pid: Int32) throws -> Int {
    let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
    guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
          let value = Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "")
    else { throw TestFailure("no VmRSS for pid \(pid)") }
    return value
}

/// A deterministic generator, so a failing fuzz run can be repeated.
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }
}

/// Lines a fuzzer sends: real commands with odd arguments, junk words, raw
/// bytes. Each starts with a printable character, so none is blank, and
/// none is QUIT, so each must get exactly one final reply.
enum FuzzLine {
    static let words = ["SEND", "PULL", "HISTORY", "ACK", "ACKMODE", "SYNC", "LOGIN", "REGISTER", "LOGOUT",
                        "ADDFRIEND", "GETFRIENDS", "CREATEGROUP", "JOINGROUP", "SENDGROUP", "GHISTORY", "MEMBERS",
                        "GROUPINFO", "STATUS", "WHO", "PING", "HELP", "send", "@cid=x", "@cid=", "FOO"]

    static func make(_ random: inout SplitMix64) -> [UInt8] {
        let head = Array(words[random.below(words.count)].utf8)
        switch random.below(4) {
        case 0:  // a command with numeric-looking arguments
            let args = (0..<random.below(4)).map { _ in
                ["0", "-1", "1", "2", "99999999999999999999", "abc", "on", "away"][random.below(8)]
            }
            return head + Array(args.map { " " + $0 }.joined().utf8)
        case 1:  // a command with a text tail
            return head + Array(" 1 \(String(repeating: "ü", count: random.below(50)))".utf8)
        case 2:  // raw bytes, newline-free, possibly invalid UTF-8
            return [UInt8(ascii: "Z")] + (0..<random.below(300)).map { _ in
                var byte = UInt8(truncatingIfNeeded: random.next())
                if byte == UInt8(ascii: "\n") { byte = 0xFF }
                return byte
            }
        default:  // a long line of words
            return head + Array(String(repeating: " word", count: random.below(800)).utf8)
        }
    }
}

/// A blocking socket the test drives by hand: a client that holds a partial
/// line, or one that never reads. Used only for tiny writes on loopback.
final class RawSocket: @unchecked Sendable {
    private let fd: Int32

    init(port: Int, receiveBuffer: Int32? = nil) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestFailure("socket() failed") }
        if var size = receiveBuffer {
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
        guard connected else {
            Glibc.close(fd)
            throw TestFailure("connect to 127.0.0.1:\(port) failed: errno \(errno)")
        }
    }

    func send(_ text: String) throws {
        let bytes = Array(text.utf8)
        let sent = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        guard sent == bytes.count else { throw TestFailure("send failed: errno \(errno)") }
    }

    /// Everything the server sends until it closes the connection (or `limit` passes).
    func readAll(within limit: Duration) -> String {
        let deadline = ContinuousClock.now + limit
        var data: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while ContinuousClock.now < deadline {
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, 100) > 0 else { continue }
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count <= 0 { break }
            data += buffer[0..<count]
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// Reads until the server closes the connection or `limit` passes, and
    /// returns the last few hundred bytes read (where a closing KICKED is).
    func drainUntilClosed(within limit: Duration) -> String {
        String(readAll(within: limit).suffix(512))
    }

    func close() {
        Glibc.close(fd)
    }
}
