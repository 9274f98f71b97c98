import Cache
import Groups
import Logging
import MPIMServices
import RedisClient
import ServiceLifecycle
import ServicesRPC

/// A services process (`mpimd --serve users,groups`): the services it is
/// told to serve, their stores and the Redis cache in front of them, behind
/// a gRPC server with the health service; no gateway, presence or
/// messaging, and no HTTP listener. Gateways call it through
/// `RemoteUserService` and `RemoteGroupService`.
///
/// Its gRPC address is bound first, so a taken port ends it before it
/// touches the store or Redis.
func buildServicesProcess(_ configuration: DaemonConfiguration, logger: Logger) async throws -> Daemon {
    let placement = configuration.services
    let socket = try ListeningSocket.bind(host: placement.grpcHost, port: placement.grpcPort)
    func moduleLogger(_ module: String) -> Logger {
        var logger = Logger(label: "mpim.\(module)")
        logger.logLevel = configuration.logLevel
        return logger
    }

    var cacheConfiguration = configuration.redisCache
    cacheConfiguration.clientName = "mpim-services"
    let cacheConnection = RedisConnection(configuration: cacheConfiguration, label: "cache", logger: moduleLogger("redis"))
    let redis = RedisConnections([cacheConnection], logger: moduleLogger("redis"))
    await redis.start(waitingUpTo: configuration.redisCache.connectTimeout)
    let stores: ServiceStores
    do {
        stores = try await ServiceStores.open(configuration, logger: moduleLogger)
    } catch {
        socket.close()
        await redis.shutdown()
        throw error
    }
    let cache = RedisCache(redis: cacheConnection, ttls: configuration.cacheTTLs, logger: moduleLogger("cache"))
    let users = placement.serve.contains(.users)
        ? liveUserService(configuration, store: stores.users, cache: cache, logger: moduleLogger("users")) : nil
    // Messaging is not here: each gateway's client tells its own of membership changes.
    let groups: (any GroupService)? = placement.serve.contains(.groups)
        ? LiveGroupService(store: stores.groups, cache: cache, membership: MembershipsToldByGateways(),
                           logger: moduleLogger("groups")) : nil
    let server = ServicesServer(socket: socket, users: users, groups: groups, logger: moduleLogger("services"))
    logger.info("serving \(placement.serve.map(\.rawValue).joined(separator: ",")) over gRPC")
    let group = ServiceGroup(
        configuration: .init(
            services: [.init(service: redis), .init(service: stores.upkeep), .init(service: server)],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger))
    return Daemon(serviceGroup: group, gateway: nil)
}
