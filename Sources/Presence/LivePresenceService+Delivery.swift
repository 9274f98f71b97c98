import MPIMCore
import RedisClient

extension LivePresenceService {
    public func routes(of user: UserID) async throws(MPIMError) -> [RouteEntry] {
        try await routes(of: [user])[user] ?? []
    }

    public func deliver(_ deliveries: [PushDelivery]) async {
        let deliveries = deliveries.filter { !$0.users.isEmpty }
        guard !deliveries.isEmpty else { return }
        // This gateway's own sessions never need Redis, even if routes are unreadable.
        PresenceMetrics.delivered(local.deliver(deliveries), path: "in_process")
        let routes: [UserID: [RouteEntry]]
        do {
            routes = try await self.routes(of: deliveries.flatMap(\.users))
        } catch {
            // Redis down: remote sessions miss the push; a message stays in
            // the mailbox and reaches them through PULL.
            logger.debug("route query failed; remote push skipped", metadata: ["deliveries": "\(deliveries.count)"])
            return
        }
        // Each other gateway gets its share of the batch, in order, in one envelope.
        var envelopesByGateway: [GatewayID: [GatewayEnvelope]] = [:]
        var remoteRecipients = 0
        for delivery in deliveries {
            var recipientsByGateway: [GatewayID: [UserID]] = [:]
            for user in delivery.users {
                for gateway in Set((routes[user] ?? []).map(\.gateway)) where gateway != gatewayID {
                    recipientsByGateway[gateway, default: []].append(user)
                }
            }
            for (gateway, recipients) in recipientsByGateway {
                envelopesByGateway[gateway, default: []].append(.deliver(users: recipients, frame: delivery.frame))
                remoteRecipients += recipients.count
            }
        }
        guard !envelopesByGateway.isEmpty else { return }
        let commands = envelopesByGateway.sorted { $0.key < $1.key }.map { gateway, envelopes in
            send(envelopes, to: gateway)
        }
        do {
            _ = try await redis.pipeline(commands)
            PresenceMetrics.delivered(remoteRecipients, path: configuration.queueMode.rawValue)
        } catch {
            logger.warning("publish failed", metadata: ["gateways": "\(commands.count)", "error": "\(error)"])
        }
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
        let frame = PushFrame(line: push.line, messageID: nil)
        local.broadcast(frame)
        do {
            let members = try await redis.command(["SMEMBERS", RedisKeys.gateways])
            let others = (members.array ?? []).compactMap(\.string).filter { $0 != gatewayID }
            _ = try await redis.pipeline(others.map { send(.broadcast(frame: frame), to: $0) })
        } catch {
            throw .internal("redis unavailable")
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
