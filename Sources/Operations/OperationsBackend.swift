import MPIMCore

/// Health as `/healthz` reports it.
public enum HealthStatus: String, Sendable {
    /// SQLite writable and Redis up.
    case ok
    /// Redis down: the daemon serves from SQLite, cross-gateway pushes wait;
    /// or a services process this gateway calls does not answer: the
    /// commands that need it answer `-ERR unavailable`.
    case degraded
    /// SQLite not writable: nothing can be acknowledged.
    case failing
}

/// One session on this gateway, as `/admin/online` lists it.
public struct OnlineSession: Sendable, Equatable {
    public var user: UserID
    public var device: String
    public var since: UnixMillis
    public var status: String
    public var remoteAddress: String

    public init(user: UserID, device: String, since: UnixMillis, status: String, remoteAddress: String) {
        self.user = user
        self.device = device
        self.since = since
        self.status = status
        self.remoteAddress = remoteAddress
    }
}

/// What the HTTP listener asks of the daemon. The composition root
/// implements it over the services, so this module knows none of them.
public protocol OperationsBackend: Sendable {
    var gatewayID: GatewayID { get }
    func health() async -> HealthStatus
    func onlineSessions() async -> [OnlineSession]
    /// Kicks the user's sessions (on `device`, or all) on every gateway; returns how many were found.
    func kick(_ user: UserID, device: String?) async throws(MPIMError) -> Int
    /// Pushes a system notice to every session on every gateway; returns its message id.
    func broadcast(_ text: String) async throws(MPIMError) -> MessageID
    /// The metrics in Prometheus text format.
    func metricsText() async -> String
}
