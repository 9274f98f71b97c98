import MPIMCore
import Synchronization
import Testing
@testable import Operations

/// A backend that records what the router asked of it (the router's own
/// logic — routing, auth, validation, JSON — is what is under test here).
final class RecordingBackend: OperationsBackend {
    let gatewayID: GatewayID = "gw-\"1"
    let status: HealthStatus
    let calls = Mutex<[String]>([])

    init(status: HealthStatus = .ok) { self.status = status }

    func health() async -> HealthStatus { status }
    func onlineSessions() async -> [OnlineSession] {
        [OnlineSession(user: 7, device: "cli", since: 5, status: "online", remoteAddress: "[IPv4]127.0.0.1:9")]
    }
    func kick(_ user: UserID, device: String?) async throws(MPIMError) -> Int {
        calls.withLock { $0.append("kick \(user) \(device ?? "-")") }
        return 2
    }
    func broadcast(_ text: String) async throws(MPIMError) -> MessageID {
        calls.withLock { $0.append("broadcast \(text)") }
        return 42
    }
    func metricsText() async -> String { "mpim_connections_open 3\n" }
}

@Suite("Operations router")
struct OperationsRouterTests {
    private func request(_ method: String, _ uri: String, token: String? = nil, body: String = "") -> OperationsRequest {
        OperationsRequest(method: method, uri: uri, authorization: token.map { "Bearer \($0)" }, body: body)
    }

    @Test("metrics and health need no token; failing health is 503")
    func publicRoutes() async {
        let router = OperationsRouter(backend: RecordingBackend(), adminToken: nil, version: "1.2.3")
        let metrics = await router.respond(to: request("GET", "/metrics"))
        #expect(metrics.status == 200 && metrics.body == "mpim_connections_open 3\n")
        let health = await router.respond(to: request("GET", "/healthz"))
        #expect(health.status == 200)
        #expect(health.body.contains(#""status":"ok""#) && health.body.contains(#""gateway":"gw-\"1""#))
        #expect(health.body.contains(#""version":"1.2.3""#))
        let failing = OperationsRouter(backend: RecordingBackend(status: .failing), adminToken: nil, version: "x")
        #expect(await failing.respond(to: request("GET", "/healthz")).status == 503)
        let degraded = OperationsRouter(backend: RecordingBackend(status: .degraded), adminToken: nil, version: "x")
        #expect(await degraded.respond(to: request("GET", "/healthz")).status == 200)
    }

    @Test("admin routes are 404 without a configured token and 401 without the right bearer")
    func adminAuth() async {
        let disabled = OperationsRouter(backend: RecordingBackend(), adminToken: nil, version: "x")
        #expect(await disabled.respond(to: request("GET", "/admin/online", token: "anything")).status == 404)
        let enabled = OperationsRouter(backend: RecordingBackend(), adminToken: "s3cret", version: "x")
        #expect(await enabled.respond(to: request("GET", "/admin/online")).status == 401)
        #expect(await enabled.respond(to: request("GET", "/admin/online", token: "wrong")).status == 401)
        let online = await enabled.respond(to: request("GET", "/admin/online", token: "s3cret"))
        #expect(online.status == 200 && online.body.contains(#""uid":7"#))
    }

    @Test("kick and broadcast validate their input and call the backend")
    func adminActions() async {
        let backend = RecordingBackend()
        let router = OperationsRouter(backend: backend, adminToken: "t", version: "x")
        #expect(await router.respond(to: request("POST", "/admin/kick?uid=abc", token: "t")).status == 400)
        let kicked = await router.respond(to: request("POST", "/admin/kick?uid=9&device=ph%6Fne", token: "t"))
        #expect(kicked.status == 200 && kicked.body == "{\"kicked\":2}\n")
        #expect(await router.respond(to: request("POST", "/admin/broadcast", token: "t", body: "\n")).status == 400)
        #expect(await router.respond(to: request("POST", "/admin/broadcast", token: "t", body: "a\nb")).status == 400)
        #expect(await router.respond(to: request("POST", "/admin/broadcast", token: "t", body: "a\r\nb")).status == 400)
        #expect(await router.respond(to: request("POST", "/admin/broadcast", token: "t", body: "a\u{0}b")).status == 400)
        let sent = await router.respond(to: request("POST", "/admin/broadcast", token: "t", body: "maintenance at 5\r\n"))
        #expect(sent.status == 200 && sent.body == "{\"msg_id\":42}\n")
        #expect(backend.calls.withLock { $0 } == ["kick 9 phone", "broadcast maintenance at 5"])
        #expect(await router.respond(to: request("GET", "/nowhere")).status == 404)
    }

    @Test("the Authorization scheme is case-insensitive; the token is not, and must be whole")
    func bearerScheme() async {
        let router = OperationsRouter(backend: RecordingBackend(), adminToken: "s3cret", version: "x")
        func status(_ authorization: String) async -> Int {
            await router.respond(to: OperationsRequest(method: "GET", uri: "/admin/online", authorization: authorization,
                                                       body: "")).status
        }
        for accepted in ["Bearer s3cret", "bearer s3cret", "BEARER s3cret", "bEaReR  s3cret"] {
            #expect(await status(accepted) == 200, "\(accepted)")
        }
        for refused in ["Bearer S3CRET", "Bearer s3cre", "Bearer s3crets", "Bearer ", "Bearer", "Basic s3cret",
                        "Bearers3cret", "s3cret", "Bearer s3cret\0"] {
            #expect(await status(refused) == 401, "\(refused.debugDescription)")
        }
    }

    @Test("the token compare sees every byte: any difference, in any place or length, is a mismatch")
    func constantTimeCompare() {
        let secret = Array("0123456789abcdef".utf8)
        #expect(AdminAuthorization.constantTimeEquals(secret, secret))
        for index in secret.indices {
            var guess = secret
            guess[index] ^= 0x01
            #expect(!AdminAuthorization.constantTimeEquals(guess, secret), "differs at \(index)")
        }
        #expect(!AdminAuthorization.constantTimeEquals([], secret))
        #expect(!AdminAuthorization.constantTimeEquals(Array(secret.dropLast()), secret))
        #expect(!AdminAuthorization.constantTimeEquals(secret + [0], secret), "a trailing zero byte is no match")
        // Lengths that differ by a multiple of 256 must not cancel out.
        #expect(!AdminAuthorization.constantTimeEquals(secret + [UInt8](repeating: 0, count: 256), secret))
    }

    @Test("a known path asked with another method is 405 with Allow; unknown paths stay 404")
    func wrongMethods() async {
        let backend = RecordingBackend()
        let router = OperationsRouter(backend: backend, adminToken: "t", version: "x")
        for (method, path, allow) in [("POST", "/metrics", "GET"), ("DELETE", "/healthz", "GET"), ("HEAD", "/metrics", "GET"),
                                      ("GET", "/admin/kick?uid=1", "POST"), ("PUT", "/admin/broadcast", "POST"),
                                      ("POST", "/admin/online", "GET")] {
            let response = await router.respond(to: request(method, path, token: "t"))
            #expect(response.status == 405 && response.allow == allow, "\(method) \(path): \(response)")
            #expect(response.body == "{\"error\":\"method not allowed\"}\n")
        }
        #expect(await router.respond(to: request("POST", "/nowhere")).status == 404)
        #expect(await router.respond(to: request("GET", "/admin/nowhere", token: "t")).status == 404)
        #expect(await router.respond(to: request("GET", "/metrics")).allow == nil)
        #expect(backend.calls.withLock { $0 }.isEmpty, "a wrong method kicks and broadcasts nothing")
        // The admin API's answers to outsiders come first: 404 while off, 401 without the token.
        #expect(await router.respond(to: request("GET", "/admin/kick")).status == 401)
        let disabled = OperationsRouter(backend: RecordingBackend(), adminToken: nil, version: "x")
        #expect(await disabled.respond(to: request("GET", "/admin/kick", token: "t")).status == 404)
        #expect(await disabled.respond(to: request("POST", "/admin/kick?uid=1", token: "t")).status == 404)
    }
}
