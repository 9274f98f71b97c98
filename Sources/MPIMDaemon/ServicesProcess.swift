import Cache
import Groups
import Logging
import MPIMCore
import MPIMServices
import NIOPosix
import Operations
import Prometheus
import RedisClient
import ServiceLifecycle
import ServicesRPC

/// A services process (`mpimd --serve users,groups`): the services it is
/// told to serve, their stores and the Redis cache in front of them, behind
/// a gRPC server with the health service, and the HTTP listener's
/// `/metrics` and `/healthz` (`ServicesProcessOperations`); no gateway,
/// presence or messaging. Gateways call it through `RemoteUserService` and
/// `RemoteGroupService`.
///
/// Its gRPC and HTTP addresses are bound first, so a taken port ends it
/// before it touches the store or Redis.
func buildServicesProcess(_ configuration: DaemonConfiguration, logger: Logger,
                          metrics: PrometheusCollectorRegistry?) async throws -> Daemon {
    let placement = configuration.services
    let socket = try ListeningSocket.bind(host: placement.grpcHost, port: placement.grpcPort)
    let httpAddress = Listeners.Address(host: configuration.httpHost ?? placement.grpcHost, port: configuration.httpPort)
    let http: AddressReservation
    do {
        http = try await AddressReservation.bind(
            host: httpAddress.host, port: httpAddress.port, group: MultiThreadedEventLoopGroup.singleton)
    } catch {
        socket.close()
        throw ListenerError(listener: "http", address: httpAddress, cause: error)
    }
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
        await http.release()
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
    let operations = HTTPListenerService(listener: "http", server: OperationsServer(
        reservation: http,
        routes: OperationsRoutes(
            backend: ServicesProcessOperations(
                gatewayID: configuration.gateway.gatewayID, isWritable: stores.isWritable, redis: cacheConnection,
                metrics: metrics),
            adminToken: configuration.adminToken, version: MPIMVersion.current),
        logger: moduleLogger("operations")))
    logger.info("serving \(placement.serve.map(\.rawValue).joined(separator: ",")) over gRPC")
    let group = ServiceGroup(
        configuration: .init(
            services: [.init(service: redis), .init(service: stores.upkeep), .init(service: operations),
                       .init(service: server)],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger))
    return Daemon(serviceGroup: group, gateway: nil)
}
