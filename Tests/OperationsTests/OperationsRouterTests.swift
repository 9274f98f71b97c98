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
        let sent = await router.respond(to: request("POST", "/admin/broadcast", token: "t", body: "maintenance at 5\n"))
        #expect(sent.status == 200 && sent.body == "{\"msg_id\":42}\n")
        #expect(backend.calls.withLock { $0 } == ["kick 9 phone", "broadcast maintenance at 5"])
        #expect(await router.respond(to: request("GET", "/nowhere")).status == 404)
    }
}
