import MPIMCore
import MPIMServices
import RedisClient

/// Keeping routes true: refresh of live sessions, the heartbeat, and the
/// cleanup after gateways that died without unbinding.
extension LivePresenceService {
    /// Re-asserts every live route of this gateway, in batches.
    func refreshLiveRoutes() async {
        let sessions = local.liveRoutes()
        guard !sessions.isEmpty else { return }
        for start in stride(from: 0, to: sessions.count, by: configuration.refreshBatch) {
            let batch = Array(sessions[start..<min(start + configuration.refreshBatch, sessions.count)])
            guard await refresh(batch) else { return }
        }
        logger.debug("routes refreshed", metadata: ["sessions": "\(sessions.count)"])
    }

    /// Runs the refresh script for these sessions. Returns false if Redis failed.
    @discardableResult
    func refresh(_ sessions: [LiveRoute]) async -> Bool {
        guard !sessions.isEmpty else { return true }
        var keys: [String] = []
        var arguments = [configuration.routeTTL.pxMilliseconds]
        for session in sessions {
            keys += [RedisKeys.route(session.user), RedisKeys.status(session.user)]
            arguments += [session.device, RouteEntry(device: session.device, gateway: gatewayID, since: session.since).value,
                          member(session)]
        }
        keys.append(RedisKeys.gatewayRoutes(gatewayID))
        do {
            let reply = try await redis.command(["EVAL", PresenceScripts.refresh, String(keys.count)] + keys + arguments)
            refreshFailures.succeeded(logger: logger)
            // Entries that had vanished (Redis restarted) may sit in other
            // gateways' route caches as "offline": tell them.
            let recreated = (reply.array ?? []).compactMap(\.int).compactMap { index in
                sessions.indices.contains(Int(index) - 1) ? sessions[Int(index) - 1].user : nil
            }
            await routesChanged(recreated)
            return true
        } catch {
            refreshFailures.failed(error, logger: logger, metadata: ["sessions": "\(sessions.count)"])
            return false
        }
    }

    /// Renews this gateway's heartbeat and cleans up after gateways whose
    /// heartbeat lapsed. Returns false once another process holds this
    /// gateway's id (the service then stops).
    func beat() async -> Bool {
        switch await lease.renew() {
        case .renewed:
            break
        case .redisUnavailable:
            return true  // Nothing to renew or clean until Redis is back.
        case .heldBy(let other):
            logger.critical("gateway id taken over by another process; stopping", metadata: ["holder": "\(other)"])
            lostTo = other
            return false
        }
        guard let replies = try? await redis.pipeline([
            ["SADD", RedisKeys.gateways, gatewayID],
            ["SMEMBERS", RedisKeys.gateways],
        ]) else { return true }
        let others = (replies[1].array ?? []).compactMap(\.string).filter { $0 != gatewayID }
        guard !others.isEmpty else { return true }
        let cutoff = UnixMillis.now()
        guard let alive = try? await redis.pipeline(others.map { ["EXISTS", RedisKeys.gatewayAlive($0)] }) else {
            return true
        }
        for (gateway, reply) in zip(others, alive) where reply.int == 0 {
            // A heartbeat can lapse while its process lives (a stall, a
            // network blip): a gateway still connected to Redis keeps its routes.
            if await lease.hasConnection(gateway) == true { continue }
            // Only one survivor cleans up: whoever takes the lock.
            let lock = try? await redis.command([
                "SET", RedisKeys.gatewayCleanup(gateway), gatewayID, "NX", "PX", (configuration.heartbeatTTL * 3).pxMilliseconds,
            ])
            guard lock?.string == "OK" else { continue }
            logger.warning("gateway heartbeat lapsed; cleaning up its routes", metadata: ["dead": "\(gateway)"])
            await cleanUpAfter(gateway, before: cutoff)
            _ = try? await redis.command(["SREM", RedisKeys.gateways, gateway])
        }
        return true
    }

    /// Removes a gateway's route entries older than `before`, and announces
    /// the users who are offline now. Used for dead gateways and, at start,
    /// for this gateway's own leftovers from a previous run.
    func cleanUpAfter(_ gateway: GatewayID, before cutoff: UnixMillis) async {
        let reply: RESPValue
        do {
            reply = try await redis.command([
                "EVAL", PresenceScripts.cleanup, "1", RedisKeys.gatewayRoutes(gateway), gateway, String(cutoff),
            ])
        } catch {
            logger.warning("cleanup failed", metadata: ["of": "\(gateway)", "error": "\(error)"])
            return
        }
        let fields = reply.array ?? []
        var offline: [(UserID, PresenceStatus)] = []
        for index in stride(from: 0, to: fields.count - 1, by: 2) {
            guard let user = fields[index].int else { continue }
            offline.append((user, PresenceStatus(rawValue: fields[index + 1].string ?? "") ?? .online))
        }
        guard !offline.isEmpty else { return }
        logger.info("users offline after gateway cleanup", metadata: ["of": "\(gateway)", "users": "\(offline.count)"])
        await routesChanged(offline.map(\.0))
        for (user, status) in offline where status.visible != .offline {
            await tellFriends(of: user, status: .offline)
        }
    }
}
