import Cache
import Gateway
import Groups
import Logging
import MPIMCore
import MPIMServices
import Messaging
import NIOPosix
import Operations
import Presence
import Prometheus
import RedisClient
import ServiceLifecycle
import ServicesRPC
import Storage
import Users
import WebGateway

/// A wired daemon: its service group and the gateway (for the bound port;
/// nil in a services process, which runs none).
public struct Daemon: Sendable {
    public let serviceGroup: ServiceGroup
    public let gateway: GatewayServer?
}

/// The composition root: binds the listeners, claims the gateway id, opens
/// the store, connects Redis, builds every service behind its protocol and
/// orders them so that on shutdown the gateway drains first and Redis goes
/// last.
///
/// Start-up touches shared state (Redis, the SQLite file) only once both
/// listeners are bound and the gateway id is this process's, so a daemon that
/// cannot start changes nothing for the ones that run.
///
/// - Parameter metrics: the registry `main` bootstrapped swift-metrics with;
///   `/metrics` renders it (empty when nil).
public func buildDaemon(_ configuration: DaemonConfiguration, logger: Logger,
                        metrics: PrometheusCollectorRegistry? = nil) async throws -> Daemon {
    OpenFilesLimit.raise(logger: logger)
    if configuration.services.isServicesProcess {
        return try await buildServicesProcess(configuration, logger: logger, metrics: metrics)
    }
    let listeners = try await Listeners.bind(configuration)
    do {
        return try await wire(configuration, listeners: listeners, logger: logger, metrics: metrics)
    } catch {
        await listeners.close()
        throw error
    }
}

private func wire(_ configuration: DaemonConfiguration, listeners: Listeners, logger: Logger,
                  metrics: PrometheusCollectorRegistry?) async throws -> Daemon {
    let gatewayID = configuration.gateway.gatewayID
    func moduleLogger(_ module: String) -> Logger {
        var logger = Logger(label: "mpim.\(module)")
        logger.logLevel = configuration.logLevel
        logger[metadataKey: "gateway"] = "\(gatewayID)"
        return logger
    }

    let instance = GatewayLease.makeInstance()
    let queueConnection = RedisConnection(
        configuration: named(configuration.redisQueue, gatewayID, instance), label: "queue", logger: moduleLogger("redis"))
    let cacheConnection = RedisConnection(
        configuration: named(configuration.redisCache, gatewayID, instance), label: "cache", logger: moduleLogger("redis"))
    let redis = RedisConnections([queueConnection, cacheConnection], logger: moduleLogger("redis"))
    await redis.start(waitingUpTo: configuration.redisQueue.connectTimeout)
    let lease = GatewayLease(
        gateway: gatewayID, instance: instance, redis: queueConnection, ttl: configuration.heartbeatTTL,
        interval: configuration.heartbeatInterval)
    let stores: ServiceStores
    let remote: RemoteServiceConnections
    do {
        remote = try RemoteServiceConnections(configuration.services, logger: moduleLogger("services"))
        if queueConnection.isConnected {
            try await lease.claim()
        } else {
            logger.warning("gateway id not checked: Redis is unreachable; it is claimed when Redis is back")
        }
        stores = try await ServiceStores.open(configuration, logger: moduleLogger)
    } catch {
        await redis.shutdown()
        throw error
    }
    let cache = RedisCache(redis: cacheConnection, ttls: configuration.cacheTTLs, logger: moduleLogger("cache"))

    let messageStore = stores.messages
    // Users and Groups in this process, or clients of the services process
    // that runs them; Groups tells this gateway's Messaging of membership
    // changes either way.
    let memberships = MessageMemberships(store: messageStore)
    let users: any UserService = remote.users.map { RemoteUserService(connection: $0) }
        ?? liveUserService(configuration, store: stores.users, cache: cache, logger: moduleLogger("users"))
    let groups: any GroupService = remote.groups.map { RemoteGroupService(connection: $0, membership: memberships) }
        ?? LiveGroupService(store: stores.groups, cache: cache, membership: memberships, logger: moduleLogger("groups"))
    let messageWriter = MessageWriter(
        store: messageStore, directory: RecipientDirectory(users: users, groups: groups),
        logger: moduleLogger("messaging"), completionScope: ConnectionWriteBatch.collecting)
    let ledger = DeliveryLedger(writer: messageWriter)
    let registry = SessionRegistry(receipts: ledger, logger: moduleLogger("gateway"))
    let delivery = GatewayDeliveryAgent(
        configuration: .init(
            gatewayID: gatewayID, queueMode: configuration.queueMode, streamMaxLength: configuration.streamMaxLength),
        redis: queueConnection, subscriberConfiguration: configuration.redisQueue, local: registry,
        logger: moduleLogger("presence"))
    let presence = LivePresenceService(
        configuration: .init(
            gatewayID: gatewayID, routeTTL: configuration.routeTTL, maxDevices: configuration.maxDevices,
            heartbeatTTL: configuration.heartbeatTTL, heartbeatInterval: configuration.heartbeatInterval),
        redis: queueConnection, friends: users, lease: lease, delivery: delivery, logger: moduleLogger("presence"))
    let messages = LiveMessageService(
        store: messageStore, writer: messageWriter, users: users, groups: groups, delivery: delivery, ledger: ledger,
        logger: moduleLogger("messaging"))
    let gateway = GatewayServer(
        configuration: configuration.gateway, listener: listeners.gateway,
        services: GatewayServices(users: users, groups: groups, presence: presence, messages: messages),
        registry: registry, logger: moduleLogger("gateway"),
        readiness: { [logger = moduleLogger("gateway")] in
            if await !delivery.waitUntilReady(upTo: .seconds(2)) {
                logger.warning("accepting connections before Redis delivery is ready; pushes from other gateways may wait for PULL")
            }
        })

    let operations = HTTPListenerService(listener: "http", server: OperationsServer(
        reservation: listeners.http,
        routes: OperationsRoutes(
            backend: DaemonOperations(
                gatewayID: gatewayID, isWritable: stores.isWritable, redis: queueConnection,
                servicesServing: { await remote.allServing() }, registry: registry,
                presence: presence, messages: messages, metrics: metrics, logger: moduleLogger("operations")),
            adminToken: configuration.adminToken, version: MPIMVersion.current),
        logger: moduleLogger("operations")))

    let web = listeners.web.map { reservation in
        HTTPListenerService(listener: "web", server: WebListener(
            reservation: reservation,
            configuration: .init(
                origins: OriginPolicy(allowed: configuration.webAllowedOrigins),
                maxLineBytes: configuration.gateway.maxLineBytes),
            gateway: gateway, logger: moduleLogger("web")))
    }

    let group = ServiceGroup(
        configuration: .init(
            services: [
                .init(service: redis),
            ] + remote.connections.map { .init(service: $0) } + [
                .init(service: stores.upkeep),
                .init(service: delivery),
                .init(service: presence),
                .init(service: messages),
                .init(service: operations),
            ] + (web.map { [.init(service: $0)] } ?? []) + [
                .init(service: gateway),
            ],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger))
    return Daemon(serviceGroup: group, gateway: gateway)
}

/// The Redis settings with the client name that marks this process's connections.
private func named(_ redis: RedisConfiguration, _ gateway: GatewayID, _ instance: String) -> RedisConfiguration {
    var redis = redis
    redis.clientName = GatewayLease.clientName(gateway: gateway, instance: instance)
    return redis
}
