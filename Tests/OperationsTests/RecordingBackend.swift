import MPIMCore
import Operations
import Synchronization

/// A backend that records what the routes asked of it (the routes' own
/// logic — routing, auth, validation, JSON — is what is under test).
final class RecordingBackend: OperationsBackend {
    let gatewayID: GatewayID = "gw-\"1"
    let status: HealthStatus
    /// Thrown by kick and broadcast when set (Redis or SQLite failing).
    let failure: MPIMError?
    let calls = Mutex<[String]>([])

    init(status: HealthStatus = .ok, failure: MPIMError? = nil) {
        self.status = status
        self.failure = failure
    }

    func health() async -> HealthStatus { status }
    func onlineSessions() async -> [OnlineSession] {
        [OnlineSession(user: 7, device: "cli", since: 5, status: "online", remoteAddress: "[IPv4]127.0.0.1/127.0.0.1:9")]
    }
    func kick(_ user: UserID, device: String?) async throws(MPIMError) -> Int {
        if let failure { throw failure }
        calls.withLock { $0.append("kick \(user) \(device ?? "-")") }
        return 2
    }
    func broadcast(_ text: String) async throws(MPIMError) -> MessageID {
        if let failure { throw failure }
        calls.withLock { $0.append("broadcast \(text)") }
        return 42
    }
    func metricsText() async -> String { "mpim_connections_open 3\n" }

    var recorded: [String] { calls.withLock { $0 } }
}
