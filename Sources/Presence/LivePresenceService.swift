import Logging
import MPIMCore
import RedisClient
import ServiceLifecycle

/// Presence backed by Redis: routes in `route:<uid>` hashes with a TTL, one
/// pub/sub channel per gateway for deliveries between gateways.
///
/// As a `Service` it subscribes to this gateway's channel and keeps the
/// routes of this gateway's live sessions fresh (and rewrites them after
/// Redis comes back), until graceful shutdown.
public actor LivePresenceService: PresenceService, Service {
    public struct Configuration: Sendable {
        /// This gateway's id: route value and channel name.
        public var gatewayID: GatewayID
        /// TTL of `route:<uid>`.
        public var routeTTL: Duration
        /// How often live routes are re-asserted; a third of the TTL by default.
        public var refreshInterval: Duration
        /// Commands per pipelined refresh batch.
        public var refreshBatch: Int

        public init(gatewayID: GatewayID, routeTTL: Duration = .seconds(120),
                    refreshInterval: Duration? = nil, refreshBatch: Int = 512) {
            self.gatewayID = gatewayID
            self.routeTTL = routeTTL
            self.refreshInterval = refreshInterval ?? max(routeTTL / 3, .milliseconds(500))
            self.refreshBatch = refreshBatch
        }

        var ttlSeconds: String { String(max(1, routeTTL.components.seconds)) }
    }

    private let configuration: Configuration
    private let redis: RedisConnection
    private let subscriber: RedisSubscriber
    private let local: any LocalDelivery
    private let logger: Logger
    private let wakeups: AsyncStream<Void>
    private let wake: AsyncStream<Void>.Continuation

    /// - Parameters:
    ///   - redis: the queue-role connection (routes, publish).
    ///   - subscriberConfiguration: where to open the SUBSCRIBE connection.
    ///   - local: this gateway's sessions.
    public init(configuration: Configuration, redis: RedisConnection,
                subscriberConfiguration: RedisConfiguration, local: any LocalDelivery, logger: Logger) {
        self.configuration = configuration
        self.redis = redis
        self.local = local
        self.logger = logger
        (wakeups, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        let channel = RedisKeys.gatewayChannel(configuration.gatewayID)
        subscriber = RedisSubscriber(
            configuration: subscriberConfiguration, channels: [channel], label: "subscriber", logger: logger,
            onMessage: { [local, logger] _, payload in
                // On the subscriber thread: decode and enqueue writes, never block.
                guard let envelope = GatewayEnvelope(decoding: payload) else {
                    logger.warning("dropped malformed envelope", metadata: ["bytes": "\(payload.count)"])
                    return
                }
                local.deliver(envelope.frame, to: envelope.users, skipping: nil)
            })
        subscriber.onSubscribed { [wake] in wake.yield() }
    }

    // MARK: Service

    public func run() async throws {
        subscriber.start()
        logger.info("presence running", metadata: [
            "gateway": "\(configuration.gatewayID)", "route_ttl": "\(configuration.routeTTL)",
        ])
        await withGracefulShutdownHandler {
            await withDiscardingTaskGroup { group in
                group.addTask { [wake, interval = configuration.refreshInterval] in
                    while (try? await Task.sleep(for: interval)) != nil {
                        wake.yield()
                    }
                }
                for await _ in wakeups {
                    await refreshLiveRoutes()
                }
                group.cancelAll()
            }
        } onGracefulShutdown: { [wake] in
            wake.finish()
        }
        await subscriber.shutdown()
        logger.info("presence stopped")
    }

    // MARK: PresenceService

    public func bind(_ user: UserID, device: String) async {
        await writeRoutes([(user, device)])
    }

    public func unbind(_ user: UserID, device: String) async {
        do {
            _ = try await redis.command([
                "EVAL", RedisKeys.unbindScript, "1", RedisKeys.route(user), device, configuration.gatewayID,
            ])
        } catch {
            // The TTL removes it eventually; a stale route only costs a publish nobody consumes.
            logger.warning("unbind failed", metadata: ["uid": "\(user)", "error": "\(error)"])
        }
    }

    public func refresh(_ user: UserID, device: String) async {
        await writeRoutes([(user, device)])
    }

    public func routes(of user: UserID) async throws(MPIMError) -> [RouteEntry] {
        try await routes(of: [user])[0]
    }

    public func deliver(_ push: Push, to users: [UserID], skipping: ConnectionID?) async {
        guard !users.isEmpty else { return }
        let frame = push.frame
        // This gateway's own sessions never need Redis, even if routes are unreadable.
        local.deliver(frame, to: users, skipping: skipping)
        let routes: [[RouteEntry]]
        do {
            routes = try await self.routes(of: users)
        } catch {
            // Redis down: remote sessions miss the push; the message stays in
            // the inbox and reaches them through PULL.
            logger.debug("route query failed; remote push skipped", metadata: ["users": "\(users.count)"])
            return
        }
        var recipientsByGateway: [GatewayID: [UserID]] = [:]
        for (user, entries) in zip(users, routes) {
            for gateway in Set(entries.map(\.gateway)) where gateway != configuration.gatewayID {
                recipientsByGateway[gateway, default: []].append(user)
            }
        }
        guard !recipientsByGateway.isEmpty else { return }
        let commands = recipientsByGateway.sorted { $0.key < $1.key }.map { gateway, recipients in
            ["PUBLISH", RedisKeys.gatewayChannel(gateway), GatewayEnvelope(users: recipients, frame: frame).encoded]
        }
        do {
            _ = try await redis.pipeline(commands)
        } catch {
            logger.warning("publish failed", metadata: ["gateways": "\(commands.count)", "error": "\(error)"])
        }
    }

    /// Every user's routes, read in one pipelined round trip.
    private func routes(of users: [UserID]) async throws(MPIMError) -> [[RouteEntry]] {
        let replies: [RESPValue]
        do {
            replies = try await redis.pipeline(users.map { ["HGETALL", RedisKeys.route($0)] })
        } catch {
            throw .internal("redis unavailable")
        }
        return replies.map { reply in
            let fields = reply.array ?? []
            return stride(from: 0, to: fields.count - 1, by: 2).compactMap { index in
                guard let device = fields[index].string, let gateway = fields[index + 1].string else { return nil }
                return RouteEntry(device: device, gateway: gateway)
            }
        }
    }

    // MARK: Route upkeep

    /// Re-asserts every live route of this gateway, in pipelined batches.
    private func refreshLiveRoutes() async {
        let routes = local.liveRoutes()
        guard !routes.isEmpty else { return }
        let perBatch = max(1, configuration.refreshBatch / 2)
        for start in stride(from: 0, to: routes.count, by: perBatch) {
            let batch = routes[start..<min(start + perBatch, routes.count)]
            guard await writeRoutes(batch.map { ($0.user, $0.device) }) else { return }
        }
        logger.debug("routes refreshed", metadata: ["count": "\(routes.count)"])
    }

    /// HSET + EXPIRE for each route, in one round trip. Returns false if Redis failed.
    @discardableResult
    private func writeRoutes(_ routes: [(UserID, String)]) async -> Bool {
        let ttl = configuration.ttlSeconds
        let commands = routes.flatMap { user, device in
            [["HSET", RedisKeys.route(user), device, configuration.gatewayID],
             ["EXPIRE", RedisKeys.route(user), ttl]]
        }
        do {
            _ = try await redis.pipeline(commands)
            return true
        } catch {
            logger.warning("route write failed", metadata: ["routes": "\(routes.count)", "error": "\(error)"])
            return false
        }
    }
}
