import MPIMCore
import MPIMServices
import RedisClient

extension LivePresenceService {
    public func routes(of user: UserID) async throws(MPIMError) -> [RouteEntry] {
        try await routes(of: [user])[user] ?? []
    }

    public nonisolated func post(_ deliveries: [PushDelivery]) {
        if let remote = deliverHere(deliveries) { remoteDeliveries.enqueue(remote) }
    }

    public nonisolated func deliver(_ deliveries: [PushDelivery]) async {
        if let remote = deliverHere(deliveries) { await remoteDeliveries.submit(remote) }
    }

    /// Pushes to this gateway's sessions (never needing Redis, even when
    /// routes are unreadable) and returns what is left for other gateways:
    /// nil when the route cache shows every user is only here.
    private nonisolated func deliverHere(_ deliveries: [PushDelivery]) -> RemoteDeliveries.Batch? {
        let deliveries = deliveries.filter { !$0.users.isEmpty }
        guard !deliveries.isEmpty else { return nil }
        PresenceMetrics.delivered(local.deliver(deliveries), path: "in_process")
        let users = deliveries.count == 1 ? deliveries[0].users : Array(Set(deliveries.flatMap { $0.users }))
        if routeCache.allOnly(on: gatewayID, users) { return nil }
        let (routes, generation) = routeCache.lookup(users)
        let gateway = gatewayID
        let elsewhere = users.contains { user in
            routes[user].map { $0.contains { $0.gateway != gateway } } ?? true
        }
        guard elsewhere else { return nil }
        return RemoteDeliveries.Batch(
            deliveries: deliveries, routes: routes, missing: users.filter { routes[$0] == nil }, generation: generation)
    }

    public func kick(_ user: UserID, device: String?, reason: String) async throws(MPIMError) -> Int {
        // Routes first: a kicked session unbinds its own route as it closes,
        // and the count is of the sessions this kick reached. Local sessions
        // go even if Redis cannot be read.
        let entries: [RouteEntry]
        do {
            entries = try await routes(of: user).filter { device == nil || $0.device == device }
        } catch {
            local.kick(user, device: device, reason: reason, sparing: nil)
            throw error
        }
        local.kick(user, device: device, reason: reason, sparing: nil)
        let remote = Set(entries.map(\.gateway)).subtracting([gatewayID])
        let envelope = GatewayEnvelope.kick(user: user, device: device ?? "*", reason: reason)
        do {
            _ = try await redis.pipeline(remote.sorted().map { send(envelope, to: $0) })
        } catch {
            throw .internal("redis unavailable")
        }
        return entries.count
    }

    public func broadcast(_ push: Push) async throws(MPIMError) {
        local.broadcast(push)
        do {
            let members = try await redis.command(["SMEMBERS", RedisKeys.gateways])
            let others = (members.array ?? []).compactMap(\.string).filter { $0 != gatewayID }
            _ = try await redis.pipeline(others.map { send(.broadcast(push), to: $0) })
        } catch {
            throw .internal("redis unavailable")
        }
    }

    /// Every user's routes: from the route cache, the rest read in one
    /// pipelined round trip (and cached).
    func routes(of users: [UserID]) async throws(MPIMError) -> [UserID: [RouteEntry]] {
        try await routeReader.routes(of: users)
    }
}
