import Gateway
import Logging
import MPIMCore
import Operations
import Presence
import Prometheus
import RedisClient
import Storage

/// The operations API over the daemon's services: what the HTTP listener
/// shows and does.
struct DaemonOperations: OperationsBackend {
    let gatewayID: GatewayID
    let database: AppDatabase
    let redis: RedisConnection
    let registry: SessionRegistry
    let presence: any PresenceService
    let metrics: PrometheusCollectorRegistry?

    func health() async -> HealthStatus {
        guard await database.isWritable() else { return .failing }
        return redis.isConnected ? .ok : .degraded
    }

    func onlineSessions() async -> [OnlineSession] {
        let sessions = registry.snapshot()
        let users = Array(Set(sessions.map(\.route.user)))
        let statuses = (try? await presence.statuses(of: users)).map { Dictionary(uniqueKeysWithValues: zip(users, $0)) }
        return sessions.sorted { ($0.route.user, $0.route.since) < ($1.route.user, $1.route.since) }.map { session in
            OnlineSession(user: session.route.user, device: session.route.device, since: session.route.since,
                          status: statuses?[session.route.user]?.rawValue ?? "unknown",
                          remoteAddress: session.remoteAddress)
        }
    }

    func kick(_ user: UserID, device: String?) async throws(MPIMError) -> Int {
        try await presence.kick(user, device: device, reason: "admin")
    }

    func broadcast(_ text: String) async throws(MPIMError) -> MessageID {
        let notice = try await database.run("store notice", logger: Logger(label: "mpim.operations")) {
            try await $0.storeNotice(text)
        }
        try await presence.broadcast(.message(notice))
        return notice.id
    }

    func metricsText() async -> String {
        guard let metrics else { return "" }
        if let rss = ProcessStats.residentBytes() {
            metrics.makeGauge(name: "mpim_process_resident_memory_bytes").set(Double(rss))
        }
        if let fds = ProcessStats.openFileDescriptors() {
            metrics.makeGauge(name: "mpim_process_open_fds").set(Double(fds))
        }
        return metrics.emitToString()
    }
}
