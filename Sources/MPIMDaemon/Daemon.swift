import Cache
import Gateway
import Groups
import Logging
import MPIMCore
import Messaging
import NIOPosix
import Operations
import Presence
import Prometheus
import RedisClient
import ServiceLifecycle
import Storage
import Users

/// A wired daemon: its service group and the gateway (for the bound port).
public struct Daemon: Sendable {
    public let serviceGroup: ServiceGroup
    public let gateway: GatewayServer
}

/// The composition root: opens the store, connects Redis, builds every
/// service behind its protocol and orders them so that on shutdown the
/// gateway drains first and Redis goes last.
///
/// - Parameter metrics: the registry `main` bootstrapped swift-metrics with;
///   `/metrics` renders it (empty when nil).
public func buildDaemon(_ configuration: DaemonConfiguration, logger: Logger,
                        metrics: PrometheusCollectorRegistry? = nil) async throws -> Daemon {
    let gatewayID = configuration.gateway.gatewayID
    OpenFilesLimit.raise(logger: logger)
    func moduleLogger(_ module: String) -> Logger {
        var logger = Logger(label: "mpim.\(module)")
        logger.logLevel = configuration.logLevel
        logger[metadataKey: "gateway"] = "\(gatewayID)"
        return logger
    }

    let database = try await AppDatabase.openWhenFree(configuration.database)
    let redis = RedisConnections(
        queue: RedisConnection(configuration: configuration.redisQueue, label: "queue", logger: moduleLogger("redis")),
        cache: RedisConnection(configuration: configuration.redisCache, label: "cache", logger: moduleLogger("redis")),
        logger: moduleLogger("redis"))
    let cache = RedisCache(redis: redis.cache, ttls: configuration.cacheTTLs, logger: moduleLogger("cache"))
    await redis.start(waitingUpTo: configuration.redisQueue.connectTimeout)

    let messageWriter = MessageWriter(database: database, logger: moduleLogger("messaging"))
    let ledger = DeliveryLedger(writer: messageWriter)
    let registry = SessionRegistry(receipts: ledger, logger: moduleLogger("gateway"))
    let users = LiveUserService(
        database: database, cache: cache, hashingPool: .singleton,
        configuration: .init(
            bcryptCost: configuration.bcryptCost,
            throttle: .init(failures: configuration.lockoutFailures, window: configuration.lockoutWindow,
                            lockout: configuration.lockoutDuration),
            verifiedLoginLifetime: configuration.verifiedLoginLifetime),
        clock: ContinuousClock(), logger: moduleLogger("users"))
    let groups = LiveGroupService(database: database, cache: cache, logger: moduleLogger("groups"))
    let presence = LivePresenceService(
        configuration: .init(
            gatewayID: gatewayID, routeTTL: configuration.routeTTL, maxDevices: configuration.maxDevices,
            heartbeatTTL: configuration.heartbeatTTL, heartbeatInterval: configuration.heartbeatInterval,
            queueMode: configuration.queueMode, streamMaxLength: configuration.streamMaxLength),
        redis: redis.queue, subscriberConfiguration: configuration.redisQueue,
        local: registry, friends: users, logger: moduleLogger("presence"))
    let messages = LiveMessageService(
        database: database, writer: messageWriter, users: users, groups: groups, presence: presence, ledger: ledger,
        logger: moduleLogger("messaging"))
    let gateway = GatewayServer(
        configuration: configuration.gateway,
        services: GatewayServices(users: users, groups: groups, presence: presence, messages: messages),
        registry: registry, eventLoopGroup: MultiThreadedEventLoopGroup.singleton, logger: moduleLogger("gateway"),
        readiness: { [logger = moduleLogger("gateway")] in
            if await !presence.waitUntilReady(upTo: .seconds(2)) {
                logger.warning("accepting connections before Redis delivery is ready; pushes from other gateways may wait for PULL")
            }
        })

    let operations = OperationsServer(
        configuration: .init(host: configuration.httpHost ?? configuration.gateway.host, port: configuration.httpPort),
        router: OperationsRouter(
            backend: DaemonOperations(
                gatewayID: gatewayID, database: database, redis: redis.queue, registry: registry,
                presence: presence, metrics: metrics, logger: moduleLogger("operations")),
            adminToken: configuration.adminToken, version: MPIMVersion.current),
        eventLoopGroup: MultiThreadedEventLoopGroup.singleton, logger: moduleLogger("operations"))

    let checkpointer = WALCheckpointer(configuration: configuration.database, logger: moduleLogger("storage"))
    let group = ServiceGroup(
        configuration: .init(
            services: [
                .init(service: redis),
                .init(service: checkpointer),
                .init(service: presence),
                .init(service: messages),
                .init(service: operations),
                .init(service: gateway),
            ],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger))
    return Daemon(serviceGroup: group, gateway: gateway)
}
