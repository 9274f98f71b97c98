import MPIMCore

/// The Redis names presence owns (the key schema is in Docs/ARCHITECTURE.md).
enum RedisKeys {
    /// Hash device → `<gateway> <since>`, with a TTL the gateways keep fresh.
    static func route(_ user: UserID) -> String { "route:\(user)" }
    /// The user's chosen status; absent means online. Same TTL as the route.
    static func status(_ user: UserID) -> String { "status:\(user)" }
    /// The pub/sub channel a gateway listens on.
    static func gatewayChannel(_ gateway: GatewayID) -> String { "gateway:\(gateway)" }
    /// Set of `<uid> <device>` routed to a gateway, for cleanup after it dies.
    static func gatewayRoutes(_ gateway: GatewayID) -> String { "gateway:routes:\(gateway)" }
    /// A gateway's heartbeat, with a short TTL: `<instance> <unix ms>`,: which process holds the gateway id, and when it last renewed it.
    static func gatewayAlive(_ gateway: GatewayID) -> String { "gateway:alive:\(gateway)" }
    /// Who is cleaning up after a dead gateway (a lock with a TTL).
    static func gatewayCleanup(_ gateway: GatewayID) -> String { "gateway:cleanup:\(gateway)" }
    /// Set of the gateway ids that have been alive.
    static let gateways = "gateways"
    /// Broadcast channel: comma-separated uids whose routes changed.
    static let routesChanged = "routes:changed"
}
