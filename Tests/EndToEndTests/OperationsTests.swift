import Foundation
import Testing
import TestSupport

/// Issue 7: /metrics, /healthz and the admin API of real daemons.
@Suite("Operations")
struct OperationsTests {
    @Test("/metrics moves by the right amounts after SENDs and parses as Prometheus text")
    func metrics() async throws {
        try await withCluster { cluster in
            let http = try #require(await cluster.daemons[0].httpPort(), "the daemon logged its http port")
            let (a, _, _) = try await cluster.registeredClient()
            let (b, _, ub) = try await cluster.registeredClient()
            let before = try PrometheusText(try httpGet(port: http, path: "/metrics").body)
            for i in 0..<5 { _ = try await a.sendMessage(to: ub, "m\(i)") }
            for _ in 0..<5 { _ = try await b.push() }
            try await a.expectReply("SEND 999999999 x", "-ERR no such user")
            let after = try PrometheusText(try httpGet(port: http, path: "/metrics").body)
            func moved(_ name: String) -> Double { after[name] - before[name] }
            #expect(moved(#"mpim_commands_total{command="SEND",result="ok"}"#) == 5)
            #expect(moved(#"mpim_commands_total{command="SEND",result="error"}"#) == 1)
            #expect(moved(#"mpim_messages_acknowledged_total{kind="direct"}"#) == 5)
            #expect(moved("mpim_pushes_written_total") == 5)
            #expect(moved(#"mpim_deliveries_total{path="in_process"}"#) == 5)
            #expect(after["mpim_sessions_logged_in"] == 2)
            #expect(after["mpim_connections_open"] >= 2)
            #expect(after[#"mpim_redis_up{connection="queue"}"#] == 1)
            #expect(after["process_resident_memory_bytes"] > 1_000_000)
            #expect(after["process_open_fds"] > 5)
            #expect(moved("mpim_store_write_duration_seconds_count") >= 1)
        }
    }

    @Test("/healthz reads degraded while Redis is stopped and ok after it is back")
    func health() async throws {
        try await withCluster { cluster in
            let http = try #require(await cluster.daemons[0].httpPort())
            let ok = try httpGet(port: http, path: "/healthz")
            #expect(ok.status == 200 && ok.body.contains(#""status":"ok""#), "\(ok)")
            #expect(ok.body.contains(#""gateway":"\#(cluster.daemons[0].gatewayID)""#) && ok.body.contains(#""version":""#))
            await cluster.redis.stop()
            let degraded = try await eventually { try httpGet(port: http, path: "/healthz") } until: {
                $0.body.contains(#""status":"degraded""#)
            }
            #expect(degraded.status == 200)
            try await cluster.redis.restart()
            _ = try await eventually { try httpGet(port: http, path: "/healthz") } until: {
                $0.body.contains(#""status":"ok""#)
            }
        }
    }

    @Test("admin kick and broadcast reach sessions on both gateways")
    func kickAndBroadcast() async throws {
        var config = DaemonConfig()
        config["http", "admin_token"] = "s3cret"
        try await withCluster(gateways: 2, config: config) { cluster in
            let http = try #require(await cluster.daemons[0].httpPort())
            let (a, _, _) = try await cluster.registeredClient(0)
            let (b, nameB, ub) = try await cluster.registeredClient(1)
            let bPhone = try await cluster.client(0)
            _ = try await bPhone.login(nameB, device: "phone")

            let sent = try httpRequest(port: http, method: "POST", path: "/admin/broadcast", token: "s3cret",
                                       body: "maintenance at noon")
            #expect(sent.status == 200, "\(sent)")
            for client in [a, b, bPhone] {
                let push = try await client.push()
                #expect(push.hasPrefix("MSG id=") && push.contains(" from=0 ") && push.hasSuffix(" text=maintenance at noon"),
                        "\(push)")
            }
            let online = try httpRequest(port: http, method: "GET", path: "/admin/online", token: "s3cret")
            #expect(online.status == 200 && online.body.contains(#""uid":\#(ub)"#) && online.body.contains(#""device":"phone""#))

            let kicked = try httpRequest(port: http, method: "POST", path: "/admin/kick?uid=\(ub)", token: "s3cret")
            #expect(kicked.status == 200 && kicked.body.contains(#""kicked":2"#), "\(kicked)")
            for client in [b, bPhone] {
                #expect(try await client.push() == "KICKED reason=admin")
                try await client.waitClosed()
            }
            try await a.expectReply("PING", "+OK pong", "others stay")
        }
    }

    @Test("admin routes answer 401 without the token and 404 when no token is configured")
    func adminAuth() async throws {
        var config = DaemonConfig()
        config["http", "admin_token"] = "s3cret"
        try await withCluster(config: config) { cluster in
            let http = try #require(await cluster.daemons[0].httpPort())
            #expect(try httpRequest(port: http, method: "GET", path: "/admin/online", token: nil).status == 401)
            #expect(try httpRequest(port: http, method: "GET", path: "/admin/online", token: "wrong").status == 401)
            #expect(try httpRequest(port: http, method: "POST", path: "/admin/kick?uid=1", token: nil).status == 401)
        }
        try await withCluster { cluster in
            let http = try #require(await cluster.daemons[0].httpPort())
            #expect(try httpRequest(port: http, method: "GET", path: "/admin/online", token: "anything").status == 404)
            #expect(try httpRequest(port: http, method: "POST", path: "/admin/broadcast", token: nil, body: "x").status == 404)
        }
    }

    @Test("a known path asked with another method is 405 with an Allow header; an unknown path is 404")
    func wrongMethod() async throws {
        var config = DaemonConfig()
        config["http", "admin_token"] = "s3cret"
        try await withCluster(config: config) { cluster in
            let http = try #require(await cluster.daemons[0].httpPort())
            for (method, path, allow) in [("POST", "/metrics", "GET"), ("DELETE", "/healthz", "GET"),
                                          ("GET", "/admin/kick?uid=1", "POST")] {
                let response = try httpRequest(port: http, method: method, path: path, token: "s3cret")
                #expect(response.status == 405 && response.headers["allow"] == allow, "\(method) \(path): \(response)")
            }
            #expect(try httpRequest(port: http, method: "POST", path: "/nowhere", token: nil).status == 404)
            #expect(try httpRequest(port: http, method: "GET", path: "//admin/online", token: nil).status == 401)
        }
    }

    @Test("a broadcast body over 64 KiB is 413; a connection serves requests until the client closes it")
    func bodyCapAndKeepAlive() async throws {
        var config = DaemonConfig()
        config["http", "admin_token"] = "s3cret"
        try await withCluster(config: config) { cluster in
            let http = try #require(await cluster.daemons[0].httpPort())
            let large = try httpRequest(port: http, method: "POST", path: "/admin/broadcast", token: "s3cret",
                                        body: String(repeating: "x", count: 64 * 1024 + 1))
            #expect(large.status == 413 && large.body == #"{"error":"body too large"}"#, "\(large)")

            let socket = try RawSocket(port: http)
            defer { socket.close() }
            try socket.send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
                            + "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            let answers = socket.readAll(within: .seconds(5))
            #expect(answers.components(separatedBy: "HTTP/1.1 200 OK\r\n").count == 3, "\(answers.prefix(400))")
            #expect(answers.contains(#""status":"ok""#) && answers.contains("mpim_connections_open"))
        }
    }
}

struct HTTPResponse: CustomStringConvertible {
    var status: Int
    /// Header names lower-cased.
    var headers: [String: String] = [:]
    var body: String
    var description: String { "HTTP \(status): \(body.prefix(300))" }
}

func httpGet(port: Int, path: String) throws -> HTTPResponse {
    try httpRequest(port: port, method: "GET", path: path, token: nil)
}

/// One HTTP/1.1 request over a raw socket, read until the server closes the
/// connection as the request asks (`Connection: close`).
func httpRequest(port: Int, method: String, path: String, token: String?, body: String = "") throws -> HTTPResponse {
    let socket = try RawSocket(port: port)
    defer { socket.close() }
    var request = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
    request += "Content-Length: \(body.utf8.count)\r\n"
    if let token { request += "Authorization: Bearer \(token)\r\n" }
    try socket.send(request + "\r\n" + body)
    let raw = socket.readAll(within: .seconds(5))
    guard let split = raw.range(of: "\r\n\r\n"), let statusLine = raw.split(separator: "\r\n").first else {
        throw TestFailure("no HTTP response from port \(port): \(raw.prefix(200))")
    }
    let parts = statusLine.split(separator: " ")
    guard parts.count >= 2, let status = Int(parts[1]) else { throw TestFailure("bad status line \(statusLine)") }
    var headers: [String: String] = [:]
    for line in raw[..<split.lowerBound].split(separator: "\r\n").dropFirst() {
        guard let colon = line.firstIndex(of: ":") else { continue }
        headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
    }
    return HTTPResponse(status: status, headers: headers, body: String(raw[split.upperBound...]))
}

/// Retries `body` until `condition` holds (10 s at most).
func eventually<T>(_ body: () throws -> T, until condition: (T) -> Bool) async throws -> T {
    let deadline = ContinuousClock.now + .seconds(10)
    while true {
        let value = try body()
        if condition(value) { return value }
        guard ContinuousClock.now < deadline else { throw TestFailure("condition never held; last: \(value)") }
        try await Task.sleep(for: .milliseconds(100))
    }
}

/// Prometheus text exposition, parsed strictly enough to catch a malformed line.
struct PrometheusText {
    private var samples: [String: Double] = [:]

    init(_ text: String) throws {
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else {
                throw TestFailure("not a Prometheus sample line: \(line)")
            }
            let name = String(line[..<space])
            guard name.first?.isLetter == true, name.allSatisfy({ !$0.isWhitespace || name.contains("{") }) else {
                throw TestFailure("bad metric name in: \(line)")
            }
            samples[name] = value
        }
    }

    subscript(name: String) -> Double { samples[name] ?? 0 }
}
