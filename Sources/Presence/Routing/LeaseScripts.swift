/// Lua scripts of the gateway-id lease. The heartbeat value is
/// `<instance> <unix ms>`, stamped with Redis's clock so ages compare across
/// hosts.
enum LeaseScripts {
    /// KEYS: heartbeat. Returns {value or "", Redis time in ms}.
    static let inspect = """
        local now = redis.call('TIME')
        return {redis.call('GET', KEYS[1]) or '', string.format('%.0f', now[1] * 1000 + math.floor(now[2] / 1000))}
        """

    /// KEYS: heartbeat. ARGV: instance, ttl ms, the value seen ("" for none).
    /// Takes the id if the heartbeat is still what was seen. Returns 1 or 0.
    static let takeOver = """
        if (redis.call('GET', KEYS[1]) or '') ~= ARGV[3] then return 0 end
        """ + stamp

    /// KEYS: heartbeat. ARGV: instance, ttl ms. Renews the heartbeat if this
    /// instance holds it or nobody does (Redis restarted, or it lapsed).
    /// Returns 1, or the value of the other instance that holds it.
    static let renew = """
        local current = redis.call('GET', KEYS[1])
        if current and string.sub(current, 1, #ARGV[1] + 1) ~= ARGV[1] .. ' ' then return current end
        """ + stamp

    /// The end of `takeOver` and `renew`: the heartbeat becomes
    /// `<ARGV[1]> <Redis time in ms>`, expiring in ARGV[2] ms. Returns 1.
    private static let stamp = """

        local now = redis.call('TIME')
        redis.call('SET', KEYS[1], ARGV[1] .. ' ' .. string.format('%.0f', now[1] * 1000 + math.floor(now[2] / 1000)),
          'PX', ARGV[2])
        return 1
        """

    /// KEYS: heartbeat, the gateway set. ARGV: instance, gateway id. Gives
    /// the id up, if this instance still holds it. Returns 1 or 0.
    static let release = """
        local current = redis.call('GET', KEYS[1])
        if not current or string.sub(current, 1, #ARGV[1] + 1) ~= ARGV[1] .. ' ' then return 0 end
        redis.call('DEL', KEYS[1])
        redis.call('SREM', KEYS[2], ARGV[2])
        return 1
        """
}
