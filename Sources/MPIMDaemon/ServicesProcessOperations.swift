import MPIMCore
import Operations
import Prometheus
import RedisClient

/// The operations API of a services process: `/metrics` (Users' login
/// failures and lockouts, the cache, the store, the process) and `/healthz`
/// (the store writable, the cache's Redis up). It runs no sessions, so the
/// admin API lists none and refuses kicks and broadcasts: those go to a
/// gateway.
struct ServicesProcessOperations: OperationsBackend {
    let gatewayID: GatewayID
    /// Whether a write to the store commits right now.
    let isWritable: @Sendable () async -> Bool
    let redis: RedisConnection
    let metrics: PrometheusCollectorRegistry?

    func health() async -> HealthStatus {
        guard await isWritable() else { return .failing }
        return redis.isConnected ? .ok : .degraded
    }

    func onlineSessions() async -> [OnlineSession] { [] }

    func kick(_ user: UserID, device: String?) async throws(MPIMError) -> Int {
        throw .refused("a services process has no sessions: ask a gateway")
    }

    func broadcast(_ text: String) async throws(MPIMError) -> MessageID {
        throw .refused("a services process has no sessions: ask a gateway")
    }

    func metricsText() async -> String {
        (metrics?.emitToString() ?? "") + ProcessMetrics.render(.current(), version: MPIMVersion.current)
    }
}
