import Logging
import MPIMCore
import MPIMServices
import RedisClient
import ServiceLifecycle

/// The routing service: routes in `route:<uid>` hashes with a TTL,
/// statuses, the gateway id's lease and heartbeat, and the cleanup after
/// gateways whose heartbeat lapsed. It owns the route directory; pushes,
/// kicks and notices travel through the gateway's `GatewayDeliveryAgent`.
///
/// As a `Service` it keeps this gateway's live sessions' routes fresh
/// (rewriting them after Redis comes back), beats its heartbeat and cleans
/// up after dead gateways.
public actor LivePresenceService: PresenceService, Service {
    public struct Configuration: Sendable {
        /// This gateway's id: route value and channel name.
        public var gatewayID: GatewayID
        /// TTL of `route:<uid>` and `status:<uid>`.
        public var routeTTL: Duration
        /// How often live routes are re-asserted; a third of the TTL by default.
        public var refreshInterval: Duration
        /// Sessions per refresh script call.
        public var refreshBatch: Int
        /// Devices a user may have logged in at once; past it the oldest is kicked.
        public var maxDevices: Int
        /// TTL of this gateway's heartbeat key; a gateway silent this long is dead.
        public var heartbeatTTL: Duration
        /// How often the heartbeat is renewed and other gateways are checked.
        public var heartbeatInterval: Duration

        public init(gatewayID: GatewayID, routeTTL: Duration = .seconds(120), refreshInterval: Duration? = nil,
                    refreshBatch: Int = 256, maxDevices: Int = 5, heartbeatTTL: Duration = .seconds(10),
                    heartbeatInterval: Duration = .seconds(3)) {
            self.gatewayID = gatewayID
            self.routeTTL = routeTTL
            self.refreshInterval = refreshInterval ?? max(routeTTL / 3, .milliseconds(500))
            self.refreshBatch = refreshBatch
            self.maxDevices = maxDevices
            self.heartbeatTTL = heartbeatTTL
            self.heartbeatInterval = heartbeatInterval
        }
    }

    let configuration: Configuration
    let redis: RedisConnection
    let friends: any FriendLookup
    let logger: Logger
    /// This gateway's delivery agent: pushes, kicks and notices go through it.
    let delivery: GatewayDeliveryAgent
    private let wakeups: AsyncStream<Void>
    private let wake: AsyncStream<Void>.Continuation
    /// When this process started: routes of this gateway older than that are a previous run's.
    let startedAt = UnixMillis.now()
    /// This process's hold on the gateway id, renewed by the heartbeat.
    let lease: GatewayLease
    /// Set when another process took the id over: this one then stops.
    var lostTo: String?
    /// Redis failures of session upkeep, logged once per outage.
    private var bindFailures = FailureStreak("bind")
    private var unbindFailures = FailureStreak("unbind")
    var refreshFailures = FailureStreak("route refresh")

    nonisolated var gatewayID: GatewayID { configuration.gatewayID }

    /// - Parameters:
    ///   - redis: the queue-role connection (routes, statuses, heartbeats).
    ///   - friends: who to tell about a user's status changes.
    ///   - lease: the gateway id, claimed by the caller before anything else used it.
    ///   - delivery: this gateway's delivery agent (its sessions, the bus).
    public init(configuration: Configuration, redis: RedisConnection, friends: any FriendLookup, lease: GatewayLease,
                delivery: GatewayDeliveryAgent, logger: Logger) {
        self.configuration = configuration
        self.lease = lease
        self.redis = redis
        self.friends = friends
        self.delivery = delivery
        self.logger = logger
        (wakeups, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        delivery.onResubscribed { [wake] in
            // Routes may be gone (Redis restarted): rewrite them now.
            wake.yield()
        }
    }

    /// This gateway's sessions.
    nonisolated var local: any LocalDelivery { delivery.local }

    // MARK: Service

    public func run() async throws {
        // The caller claimed the id, unless Redis was down then: make sure
        // before cleaning up anything under it.
        if case .heldBy(let other) = await lease.renew() {
            throw GatewayLeaseError.lost(gateway: gatewayID, to: other)
        }
        logger.info("presence running", metadata: [
            "route_ttl": "\(configuration.routeTTL)", "heartbeat_ttl": "\(configuration.heartbeatTTL)",
        ])
        await cleanUpAfter(gatewayID, before: startedAt)
        await withGracefulShutdownHandler {
            await withDiscardingTaskGroup { group in
                group.addTask { [wake, interval = configuration.refreshInterval] in
                    while (try? await Task.sleep(for: interval)) != nil { wake.yield() }
                }
                group.addTask { [wake, interval = configuration.heartbeatInterval] in
                    repeat {
                        guard await self.beat() else {
                            wake.finish()  // The id is another process's: stop.
                            return
                        }
                    } while (try? await Task.sleep(for: interval)) != nil
                }
                for await _ in wakeups {
                    await refreshLiveRoutes()
                }
                group.cancelAll()
            }
        } onGracefulShutdown: { [wake] in
            wake.finish()
        }
        if let lostTo {
            // The routes under this id are the new holder's now: leave them.
            throw GatewayLeaseError.lost(gateway: gatewayID, to: lostTo)
        }
        // Sessions have ended by now (the gateway drains first); anything
        // their unbinds missed is removed here rather than left to the TTL.
        await cleanUpAfter(gatewayID, before: .now() + 1)
        await lease.release()
        logger.info("presence stopped")
    }

    // MARK: Sessions

    public func sessionStarted(_ session: LiveRoute, connection: ConnectionID) async {
        let user = session.user
        let entry = RouteEntry(device: session.device, gateway: gatewayID, since: session.since)
        let previous: [RouteEntry]
        do {
            let reply = try await redis.command([
                "EVAL", PresenceScripts.bind, "2", RedisKeys.route(user), RedisKeys.gatewayRoutes(gatewayID),
                session.device, entry.value, configuration.routeTTL.pxMilliseconds, member(session),
            ])
            previous = RouteEntry.entries(reply)
            bindFailures.succeeded(logger: logger)
        } catch {
            // Degraded: the route is written by the next refresh once Redis is back.
            bindFailures.failed(error, logger: logger, metadata: ["uid": "\(user)"])
            return
        }
        await routesChanged([user])
        if let older = previous.first(where: { $0.device == session.device }) {
            await kick(user, older, reason: "duplicate login", sparing: connection)
        }
        let others = previous.filter { $0.device != session.device }
        let excess = others.count + 1 - configuration.maxDevices
        if excess > 0 {
            for victim in others.sorted(by: { $0.since < $1.since }).prefix(excess) {
                await removeEntry(user, victim)
                await kick(user, victim, reason: "too many devices", sparing: nil)
            }
        }
        if previous.isEmpty {
            await tellFriends(of: user, status: .online)
        }
    }

    public func sessionEnded(_ session: LiveRoute) async {
        let user = session.user
        let entry = RouteEntry(device: session.device, gateway: gatewayID, since: session.since)
        do {
            let reply = try await redis.command([
                "EVAL", PresenceScripts.unbind, "3", RedisKeys.route(user), RedisKeys.gatewayRoutes(gatewayID),
                RedisKeys.status(user), session.device, entry.value, member(session),
            ])
            unbindFailures.succeeded(logger: logger)
            await routesChanged([user])
            let fields = reply.array ?? []
            guard fields.count == 3, fields[0].int == 1, fields[1].int == 0 else { return }
            let before = PresenceStatus(rawValue: fields[2].string ?? "") ?? .online
            if before.visible != .offline {
                await tellFriends(of: user, status: .offline)
            }
        } catch {
            // The TTL, or the dead-gateway cleanup, removes the route eventually.
            unbindFailures.failed(error, logger: logger, metadata: ["uid": "\(user)"])
        }
    }

    public func refresh(_ session: LiveRoute) async {
        await refresh([session])
    }

    // MARK: Status

    public func setStatus(_ status: PresenceStatus, of user: UserID) async throws(MPIMError) {
        let reply: RESPValue
        do {
            reply = try await redis.command([
                "SET", RedisKeys.status(user), status.rawValue, "PX", configuration.routeTTL.pxMilliseconds, "GET",
            ])
        } catch {
            throw .internal("redis unavailable")
        }
        let before = reply.string.flatMap(PresenceStatus.init(rawValue:)) ?? .online
        if before.visible != status.visible {
            await tellFriends(of: user, status: status.visible)
        }
    }

    public func statuses(of users: [UserID]) async throws(MPIMError) -> [PresenceStatus] {
        let replies: [RESPValue]
        do {
            replies = try await redis.pipeline(users.flatMap { [["EXISTS", RedisKeys.route($0)], ["GET", RedisKeys.status($0)]] })
        } catch {
            throw .internal("redis unavailable")
        }
        return users.indices.map { index in
            guard replies[2 * index].int == 1 else { return .offline }
            return (replies[2 * index + 1].string.flatMap(PresenceStatus.init(rawValue:)) ?? .online).visible
        }
    }

    // MARK: Helpers

    /// `PRESENCE` to the user's friends that have a live session, wherever they are.
    func tellFriends(of user: UserID, status: PresenceStatus) async {
        let friends: [UserID]
        do {
            friends = try await self.friends.friends(of: user)
        } catch {
            logger.warning("friends unavailable; presence not announced", metadata: ["uid": "\(user)"])
            return
        }
        await delivery.deliver([PushDelivery(push: .presence(user: user, status: status), users: friends)])
    }

    /// Closes a session wherever it is.
    private func kick(_ user: UserID, _ entry: RouteEntry, reason: String, sparing: ConnectionID?) async {
        // The kicked session's own end line says why at info, on its gateway.
        logger.debug("kicking session", metadata: [
            "uid": "\(user)", "device": "\(entry.device)", "on": "\(entry.gateway)", "reason": "\(reason)",
        ])
        if entry.gateway == gatewayID {
            local.kick(user, device: entry.device, reason: reason, sparing: sparing)
        } else {
            let envelope = GatewayEnvelope.kick(user: user, device: entry.device, reason: reason)
            do {
                try await delivery.send([envelope], to: [entry.gateway])
            } catch {
                logger.warning("kick not sent", metadata: ["uid": "\(user)", "error": "\(error)"])
            }
        }
    }

    /// Removes another session's route entry (a device over the limit).
    private func removeEntry(_ user: UserID, _ entry: RouteEntry) async {
        _ = try? await redis.command([
            "EVAL", PresenceScripts.unbind, "3", RedisKeys.route(user), RedisKeys.gatewayRoutes(entry.gateway),
            RedisKeys.status(user), entry.device, entry.value, "\(user) \(entry.device)",
        ])
    }

    /// Drops cached routes here and tells every gateway to do the same.
    func routesChanged(_ users: [UserID]) async {
        await delivery.routesChanged(users)
    }

    func member(_ session: LiveRoute) -> String { "\(session.user) \(session.device)" }
}
