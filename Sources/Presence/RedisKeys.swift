import MPIMCore

/// The Redis names presence owns (the key schema is in Docs/ARCHITECTURE.md).
enum RedisKeys {
    /// Hash device → gateway id, with a TTL the gateways keep fresh.
    static func route(_ user: UserID) -> String { "route:\(user)" }
    /// The pub/sub channel a gateway listens on.
    static func gatewayChannel(_ gateway: GatewayID) -> String { "gateway:\(gateway)" }

    /// Removes a route field only if it still names this gateway, so a gateway
    /// never erases the route another gateway wrote for the same device.
    static let unbindScript = """
        if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then
          return redis.call('HDEL', KEYS[1], ARGV[1])
        end
        return 0
        """
}
