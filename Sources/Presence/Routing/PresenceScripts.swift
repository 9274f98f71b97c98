/// Lua scripts that make route changes atomic. Each reads and writes one
/// user's keys (plus the gateway's route index), so two gateways can never
/// interleave between a read and the write that depends on it.
enum PresenceScripts {
    /// KEYS: route, gateway route index. ARGV: device, value, ttl ms, "<uid> <device>".
    /// Returns the route's entries before the bind (flat field/value list).
    static let bind = """
        local previous = redis.call('HGETALL', KEYS[1])
        redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
        redis.call('PEXPIRE', KEYS[1], ARGV[3])
        redis.call('SADD', KEYS[2], ARGV[4])
        return previous
        """

    /// KEYS: route, gateway route index, status. ARGV: device, value, "<uid> <device>".
    /// Removes the entry only if it is still this session's. Returns
    /// {removed 0/1, entries left, status before (or "" when the user is
    /// still online elsewhere or the status was unset)}; the status key goes
    /// with the last entry.
    static let unbind = """
        local removed = 0
        if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then
          redis.call('HDEL', KEYS[1], ARGV[1])
          removed = 1
        end
        redis.call('SREM', KEYS[2], ARGV[3])
        local left = redis.call('HLEN', KEYS[1])
        local status = ''
        if removed == 1 and left == 0 then
          status = redis.call('GET', KEYS[3]) or ''
          redis.call('DEL', KEYS[3])
        end
        return {removed, left, status}
        """

    /// KEYS: pairs of (route, status) keys, then the gateway route index last.
    /// ARGV: ttl ms, then per session: device, value, "<uid> <device>".
    /// Re-asserts live sessions' entries (unless another session took the
    /// device meanwhile) and extends the TTLs; recreates what a Redis restart
    /// lost. Returns the indexes (1-based) of the sessions whose entry had to
    /// be recreated, so route caches can be told.
    static let refresh = """
        local ttl = ARGV[1]
        local index = KEYS[#KEYS]
        local recreated = {}
        for i = 1, (#KEYS - 1) / 2 do
          local route, status = KEYS[2 * i - 1], KEYS[2 * i]
          local device, value, member = ARGV[3 * i - 1], ARGV[3 * i], ARGV[3 * i + 1]
          local current = redis.call('HGET', route, device)
          if not current then
            table.insert(recreated, i)
          end
          if not current or current == value then
            redis.call('HSET', route, device, value)
            redis.call('SADD', index, member)
          end
          redis.call('PEXPIRE', route, ttl)
          redis.call('PEXPIRE', status, ttl)
        end
        return recreated
        """

    /// KEYS: the dead gateway's route index. ARGV: gateway id, cutoff ms.
    /// Removes the gateway's entries older than the cutoff (a restarted
    /// gateway's new sessions are newer). Returns {uid, status before, ...}
    /// for users left with no route: they just went offline.
    static let cleanup = """
        local prefix = ARGV[1] .. ' '
        local cutoff = tonumber(ARGV[2])
        local offline = {}
        for _, member in ipairs(redis.call('SMEMBERS', KEYS[1])) do
          local space = string.find(member, ' ', 1, true)
          local uid, device = string.sub(member, 1, space - 1), string.sub(member, space + 1)
          local route = 'route:' .. uid
          local value = redis.call('HGET', route, device)
          local ours = value and string.sub(value, 1, #prefix) == prefix
          if ours and tonumber(string.sub(value, #prefix + 1)) < cutoff then
            redis.call('HDEL', route, device)
            redis.call('SREM', KEYS[1], member)
            if redis.call('HLEN', route) == 0 then
              table.insert(offline, uid)
              table.insert(offline, redis.call('GET', 'status:' .. uid) or '')
              redis.call('DEL', 'status:' .. uid)
            end
          elseif not ours then
            redis.call('SREM', KEYS[1], member)
          end
        end
        return offline
        """
}
