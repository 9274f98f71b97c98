import Logging
import MPIMCore
import MPIMServices
import RedisClient
import ServiceLifecycle

/// The gateway's local delivery agent: pushes reach this gateway's sessions
/// in process and other gateways' through the Redis bus; envelopes for this
/// gateway arrive on its subscriber (or, in stream mode, its stream
/// consumer) and go to its session table.
///
/// It reads the route directory (the `route:<uid>` hashes, with a cache)
/// but never writes it: routes, statuses and heartbeats are the routing
/// service's (`LivePresenceService`), which could run in another process.
public final class GatewayDeliveryAgent: DeliveryService, Service {
    public struct Configuration: Sendable {
        public var gatewayID: GatewayID
        /// How envelopes reach other gateways.
        public var queueMode: GatewayQueueMode
        /// Approximate cap on each gateway's delivery stream (stream mode).
        public var streamMaxLength: Int
        /// Longest a route look-up is reused without Redis (invalidations end it sooner).
        public var routeCacheMaxAge: Duration

        public init(gatewayID: GatewayID, queueMode: GatewayQueueMode = .pubsub, streamMaxLength: Int = 100_000,
                    routeCacheMaxAge: Duration = .seconds(10)) {
            self.gatewayID = gatewayID
            self.queueMode = queueMode
            self.streamMaxLength = streamMaxLength
            self.routeCacheMaxAge = routeCacheMaxAge
        }
    }

    let configuration: Configuration
    /// This gateway's sessions.
    let local: any LocalDelivery
    let redis: RedisConnection
    /// Route look-ups, shared with the subscriber thread that invalidates them.
    public let routeCache: RouteCache
    let routeReader: RouteReader
    /// Pushes for other gateways, in order.
    private let remoteDeliveries: RemoteDeliveries
    private let subscriber: RedisSubscriber
    /// Stream mode only: reads this gateway's delivery stream.
    private let streamConsumer: StreamConsumer?
    private let logger: Logger

    var gatewayID: GatewayID { configuration.gatewayID }

    /// - Parameters:
    ///   - redis: the queue-role connection (route reads, publishing).
    ///   - subscriberConfiguration: where to open the SUBSCRIBE (and stream) connection.
    ///   - local: this gateway's sessions.
    public init(configuration: Configuration, redis: RedisConnection, subscriberConfiguration: RedisConfiguration,
                local: any LocalDelivery, logger: Logger) {
        self.configuration = configuration
        self.redis = redis
        self.local = local
        self.logger = logger
        PresenceMetrics.prepare()
        // Payloads from other gateways, on either path: envelopes, or counted and dropped.
        let busReader = BusReader(logger: logger)
        let routeCache = RouteCache(maxAge: configuration.routeCacheMaxAge)
        self.routeCache = routeCache
        routeReader = RouteReader(redis: redis, cache: routeCache)
        remoteDeliveries = RemoteDeliveries(
            gateway: configuration.gatewayID, reader: routeReader, queueMode: configuration.queueMode,
            streamMaxLength: configuration.streamMaxLength, logger: logger)
        subscriber = RedisSubscriber(
            configuration: subscriberConfiguration,
            channels: [RedisKeys.gatewayChannel(configuration.gatewayID), RedisKeys.routesChanged],
            label: "subscriber", logger: logger,
            onMessage: { [local] channel, payload in
                // On the subscriber thread: decode and enqueue writes, never block.
                if channel == RedisKeys.routesChanged {
                    let users = String(decoding: payload, as: UTF8.self).split(separator: ",").compactMap { UserID($0) }
                    routeCache.invalidate(users)
                    return
                }
                guard let envelopes = busReader.envelopes(in: payload, source: "pubsub") else { return }
                GatewayEnvelope.apply(envelopes, to: local)
            })
        if configuration.queueMode == .stream {
            // Its own connection, whose timeout outlasts the blocking read.
            var streamRedis = subscriberConfiguration
            let blockTime = Duration.seconds(1)
            streamRedis.commandTimeout = max(streamRedis.commandTimeout, blockTime + .seconds(2))
            streamConsumer = StreamConsumer(
                connection: RedisConnection(configuration: streamRedis, label: "stream", logger: logger),
                gateway: configuration.gatewayID, local: local, busReader: busReader, blockTime: blockTime, batch: 256)
        } else {
            streamConsumer = nil
        }
    }

    /// Called on the subscriber thread after every (re)subscription, once
    /// the route cache has been emptied (invalidations may have been missed
    /// meanwhile). Set before the agent runs.
    public func onResubscribed(_ handler: @escaping @Sendable () -> Void) {
        subscriber.onSubscribed { [routeCache] in
            routeCache.invalidateAll()
            handler()
        }
    }

    /// Waits, at most `limit`, until envelopes from other gateways can reach
    /// this one (subscribed; in stream mode, the consumer group exists), so
    /// the gateway does not accept logins whose pushes would be dropped.
    /// False if Redis did not allow it in time (the daemon then runs degraded).
    public func waitUntilReady(upTo limit: Duration) async -> Bool {
        let deadline = ContinuousClock.now + limit
        if let streamConsumer {
            while (try? await streamConsumer.ensureGroup()) == nil {
                guard ContinuousClock.now < deadline else { return false }
                try? await Task.sleep(for: .milliseconds(20))
            }
        }
        while !subscriber.isSubscribed {
            guard ContinuousClock.now < deadline else { return false }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return true
    }

    // MARK: Service

    public func run() async throws {
        subscriber.start()
        streamConsumer?.connection.start()
        if let streamConsumer {
            await cancelWhenGracefulShutdown { await streamConsumer.run() }
        } else {
            try? await gracefulShutdown()
        }
        await subscriber.shutdown()
        await streamConsumer?.connection.shutdown()
    }

    // MARK: DeliveryService

    public func post(_ deliveries: [PushDelivery]) {
        if let remote = deliverHere(deliveries) { remoteDeliveries.enqueue(remote) }
    }

    public func deliver(_ deliveries: [PushDelivery]) async {
        if let remote = deliverHere(deliveries) { await remoteDeliveries.submit(remote) }
    }

    /// Pushes to this gateway's sessions (never needing Redis, even when
    /// routes are unreadable) and returns what is left for other gateways:
    /// nil when the route cache shows every user is only here.
    private func deliverHere(_ deliveries: [PushDelivery]) -> RemoteDeliveries.Batch? {
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

    // MARK: For the routing service

    /// Every user's routes: from the route cache, the rest read in one
    /// pipelined round trip (and cached).
    func routes(of users: [UserID]) async throws(MPIMError) -> [UserID: [RouteEntry]] {
        try await routeReader.routes(of: users)
    }

    /// Hands envelopes to other gateways, one command each, in one round trip.
    func send(_ envelopes: [GatewayEnvelope], to gateways: [GatewayID]) async throws {
        _ = try await redis.pipeline(bytes: gateways.map {
            try configuration.queueMode.command(sending: envelopes, to: $0, streamMaxLength: configuration.streamMaxLength)
        })
    }

    /// Drops cached routes here and tells every gateway to do the same.
    func routesChanged(_ users: [UserID]) async {
        guard !users.isEmpty else { return }
        routeCache.invalidate(users)
        _ = try? await redis.command(["PUBLISH", RedisKeys.routesChanged, users.map(String.init).joined(separator: ",")])
    }
}
