import Gateway
import Logging
import MPIMCore
import NIOPosix
import ServiceFakes
import ServiceLifecycle
import TestSupport

/// A gateway on 127.0.0.1 (a free port) over in-memory fakes of every
/// service, in this process: the gateway module tested at its seams, with
/// real sockets and no Redis or SQLite.
final class InProcessGateway: Sendable {
    let users = FakeUserService()
    let groups = FakeGroupService()
    let presence = FakePresenceService()
    let messages: FakeMessageService
    let registry: SessionRegistry
    let port: Int
    private let group: ServiceGroup
    private let running: Task<Void, any Error>

    private init(configuration: GatewayServer.Configuration) async throws {
        messages = FakeMessageService(users: users, groups: groups, delivery: presence)
        let logger = Logger(label: "test.gateway")
        registry = SessionRegistry(receipts: messages, logger: logger)
        presence.local = registry
        let listener = try await GatewayListener.bind(configuration, group: MultiThreadedEventLoopGroup.singleton)
        port = listener.port
        let server = GatewayServer(
            configuration: configuration, listener: listener,
            services: GatewayServices(users: users, groups: groups, presence: presence, messages: messages),
            registry: registry, logger: logger)
        let group = ServiceGroup(services: [server], logger: logger)
        self.group = group
        running = Task { try await group.run() }
    }

    /// Runs `body` against a fresh gateway and always shuts it down.
    static func with(_ configure: (inout GatewayServer.Configuration) -> Void = { _ in },
                     _ body: (InProcessGateway) async throws -> Void) async throws {
        var configuration = GatewayServer.Configuration(host: "127.0.0.1", port: 0, gatewayID: "gw-test",
                                                        maxLinesPerSecond: 1_000_000)
        configure(&configuration)
        let gateway = try await InProcessGateway(configuration: configuration)
        try await withCleanup {
            try await body(gateway)
        } cleanup: {
            await gateway.group.triggerGracefulShutdown()
            _ = await gateway.running.result
        }
    }

    /// A connection, greeting read.
    func client(_ label: String = "client") async throws -> LineClient {
        try await LineClient.connect(port: port, label: label)
    }

    /// A connection with a new user registered (and so logged in) on it.
    func registered(_ name: String) async throws -> (client: LineClient, uid: Int) {
        let client = try await self.client(name)
        let reply = try await client.cmd("REGISTER \(name) pw")
        guard let uid = intField(reply, "uid") else { throw client.failure("REGISTER answered \(reply)") }
        return (client, uid)
    }
}
