import Gateway
import Logging
import MPIMCore
import MPIMServices
import Operations
import Presence
import Prometheus
import RedisClient

/// The operations API over the daemon's services: what the HTTP listener
/// shows and does.
struct DaemonOperations: OperationsBackend {
    let gatewayID: GatewayID
    /// Whether a write to the store commits right now.
    let isWritable: @Sendable () async -> Bool
    let redis: RedisConnection
    /// Whether every services process this gateway calls answers (true when none).
    let servicesServing: @Sendable () async -> Bool
    let registry: SessionRegistry
    let presence: any PresenceService
    let messages: any MessageService
    let metrics: PrometheusCollectorRegistry?
    let logger: Logger

    func health() async -> HealthStatus {
        guard await isWritable() else { return .failing }
        guard redis.isConnected else { return .degraded }
        return await servicesServing() ? .ok : .degraded
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
        let kicked = try await presence.kick(user, device: device, reason: "admin")
        logger.info("admin kick", metadata: ["uid": "\(user)", "device": "\(device ?? "*")", "kicked": "\(kicked)"])
        return kicked
    }

    func broadcast(_ text: String) async throws(MPIMError) -> MessageID {
        let notice = try await messages.storeNotice(text)
        try await presence.broadcast(.message(notice))
        // Sessions on other gateways are theirs to count; the text is the operator's own.
        logger.info("admin broadcast", metadata: [
            "msg_id": "\(notice.id)", "sessions_here": "\(registry.count)", "text": "\(text.prefix(200))",
        ])
        return notice.id
    }

    func metricsText() async -> String {
        (metrics?.emitToString() ?? "") + ProcessMetrics.render(.current(), version: MPIMVersion.current)
    }
}
