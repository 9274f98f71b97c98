import MPIMCore
import RedisClient

extension LivePresenceService {
    public func routes(of user: UserID) async throws(MPIMError) -> [RouteEntry] {
        try await routes(of: [user])[user] ?? []
    }

    public func deliver(_ push: Push, to users: [UserID], skipping: ConnectionID?) async {
        guard !users.isEmpty else { return }
        let frame = push.frame
        // This gateway's own sessions never need Redis, even if routes are unreadable.
        local.deliver(frame, to: users, skipping: skipping)
        let routes: [UserID: [RouteEntry]]
        do {
            routes = try await self.routes(of: users)
        } catch {
            // Redis down: remote sessions miss the push; a message stays in
            // the inbox and reaches them through PULL.
            logger.debug("route query failed; remote push skipped", metadata: ["users": "\(users.count)"])
            return
        }
        var recipientsByGateway: [GatewayID: [UserID]] = [:]
        for user in users {
            for gateway in Set((routes[user] ?? []).map(\.gateway)) where gateway != gatewayID {
                recipientsByGateway[gateway, default: []].append(user)
            }
        }
        guard !recipientsByGateway.isEmpty else { return }
        let commands = recipientsByGateway.sorted { $0.key < $1.key }.map { gateway, recipients in
            send(.deliver(users: recipients, frame: frame), to: gateway)
        }
        do {
            _ = try await redis.pipeline(commands)
        } catch {
            logger.warning("publish failed", metadata: ["gateways": "\(commands.count)", "error": "\(error)"])
        }
    }

    /// Every user's routes: from the route cache, the rest read in one
    /// pipelined round trip (and cached).
    func routes(of users: [UserID]) async throws(MPIMError) -> [UserID: [RouteEntry]] {
        let unique = Array(Set(users))
        var (routes, generation) = routeCache.lookup(unique)
        let missing = unique.filter { routes[$0] == nil }
        guard !missing.isEmpty else { return routes }
        let replies: [RESPValue]
        do {
            replies = try await redis.pipeline(missing.map { ["HGETALL", RedisKeys.route($0)] })
        } catch {
            routeCache.countFailure(missing.count)
            throw .internal("redis unavailable")
        }
        var fetched: [UserID: [RouteEntry]] = [:]
        for (user, reply) in zip(missing, replies) {
            fetched[user] = Self.entries(reply)
        }
        routeCache.store(fetched, fetchedAt: generation)
        routes.merge(fetched) { _, new in new }
        return routes
    }
}
