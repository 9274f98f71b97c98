import GRPCCore
import GRPCNIOTransportHTTP2Posix
import Logging
import MPIMServices
import ServiceLifecycle

/// The gRPC server of a services process (`mpimd --serve users,groups`):
/// the Users and Groups adapters over the implementations it is given, and
/// the health service, on a socket bound beforehand. A `Service`: on
/// graceful shutdown health turns NOT_SERVING, then the server stops taking
/// calls and finishes the ones in flight.
public struct ServicesServer: Service {
    private let socket: ListeningSocket
    private let server: GRPCServer<HTTP2ServerTransport.Posix>
    private let health: HealthService
    private let logger: Logger

    public init(socket: ListeningSocket, users: (any UserService)?, groups: (any GroupService)?, logger: Logger) {
        var services: [any RegistrableRPCService] = []
        var names: Set<String> = []
        if let users {
            services.append(UsersRPCService(wrapping: users))
            names.insert(Mpim_Users_V1_Users.descriptor.fullyQualifiedService)
        }
        if let groups {
            services.append(GroupsRPCService(wrapping: groups))
            names.insert(Mpim_Groups_V1_Groups.descriptor.fullyQualifiedService)
        }
        health = HealthService(services: names)
        services.append(health)
        let transport = HTTP2ServerTransport.Posix(
            listeningSocketDescriptor: Int(socket.descriptor), transportSecurity: .plaintext)
        server = GRPCServer(transport: transport, services: services)
        self.socket = socket
        self.logger = logger
    }

    public func run() async throws {
        try await withThrowingDiscardingTaskGroup { group in
            group.addTask {
                try await withGracefulShutdownHandler {
                    try await server.serve()
                } onGracefulShutdown: {
                    health.stopServing()
                    server.beginGracefulShutdown()
                }
            }
            _ = try await server.transport.listeningAddress
            logger.info("services listening on \(socket.host.contains(":") ? "[\(socket.host)]" : socket.host):\(socket.port)")
        }
    }
}
