import Logging
import MPIMCore
import MPIMServices
import ServiceFakes
import ServiceLifecycle
import ServicesRPC
import Testing

@Suite("Remote services that do not answer")
struct AvailabilityTests {
    @Test("with nothing listening, a call fails as unavailable at once, well inside its deadline")
    func nothingListening() async throws {
        // A port that was free a moment ago: bound, then closed.
        let socket = try ListeningSocket.bind(host: "127.0.0.1", port: 0)
        socket.close()
        let connection = try ServicesConnection(
            address: ServiceAddress(host: "127.0.0.1", port: socket.port), configuration: .init(deadline: .seconds(5)),
            logger: quietLogger)
        let group = ServiceGroup(services: [connection], logger: quietLogger)
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            let users = RemoteUserService(connection: connection)
            for _ in 0..<3 {
                let start = ContinuousClock.now
                #expect(await refusal { () async throws(MPIMError) in try await users.exists(1) } == .unavailable)
                #expect(ContinuousClock.now - start < .seconds(2))
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }

    @Test("a call the service does not answer within the deadline fails as unavailable at the deadline")
    func deadline() async throws {
        try await withLoopbackServices(users: StalledUserService(), groups: FakeGroupService(),
                                       deadline: .milliseconds(300)) { services in
            let start = ContinuousClock.now
            #expect(await refusal { () async throws(MPIMError) in
                try await services.users.login(username: "a", password: "b")
            } == .unavailable)
            // Cut short by the 300 ms deadline, not by the service's 3 s stall;
            // a loaded machine (all suites at once) has answered after 2.2 s.
            let waited = ContinuousClock.now - start
            #expect(waited >= .milliseconds(250) && waited < .milliseconds(2900), "waited \(waited)")
        }
    }

    @Test("after the services process goes away and comes back on its port, calls go through again on the same client")
    func reconnects() async throws {
        let socket = try ListeningSocket.bind(host: "127.0.0.1", port: 0)
        let port = socket.port
        let connection = try ServicesConnection(
            address: ServiceAddress(host: "127.0.0.1", port: port),
            configuration: .init(deadline: .seconds(1), maxReconnectDelay: .milliseconds(200)), logger: quietLogger)
        let clientGroup = ServiceGroup(services: [connection], logger: quietLogger)
        let users = RemoteUserService(connection: connection)
        let fake = FakeUserService()
        let ann = try await fake.register(username: "ann", password: "pw")
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await clientGroup.run() }

            let first = ServiceGroup(services: [ServicesServer(socket: socket, users: fake, groups: nil, logger: quietLogger)],
                                     logger: quietLogger)
            tasks.addTask { try await first.run() }
            #expect(try await eventually { try await users.exists(ann) })
            await first.triggerGracefulShutdown()
            #expect(try await eventually { (try? await users.exists(ann)) == nil })
            #expect(await refusal { () async throws(MPIMError) in try await users.exists(ann) } == .unavailable)

            let again = try ListeningSocket.bind(host: "127.0.0.1", port: port)
            let second = ServiceGroup(services: [ServicesServer(socket: again, users: fake, groups: nil, logger: quietLogger)],
                                      logger: quietLogger)
            tasks.addTask { try await second.run() }
            #expect(try await eventually { (try? await users.exists(ann)) == true })
            await second.triggerGracefulShutdown()
            await clientGroup.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }
}

/// Whether `condition` holds within `limit`, asked every 50 ms.
func eventually(within limit: Duration = .seconds(5), _ condition: () async throws -> Bool) async throws -> Bool {
    let deadline = ContinuousClock.now + limit
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try await Task.sleep(for: .milliseconds(50))
    }
    return false
}

/// A Users service whose logins never finish (a process stuck on its store).
struct StalledUserService: UserService {
    func register(username: String, password: String) async throws(MPIMError) -> UserID { try await stall() }
    func login(username: String, password: String) async throws(MPIMError) -> UserID { try await stall() }
    func exists(_ user: UserID) async throws(MPIMError) -> Bool { try await stall() }
    func userID(named username: String) async throws(MPIMError) -> UserID { try await stall() }
    func names(of users: [UserID]) async throws(MPIMError) -> [String] { try await stall() }
    func addFriend(_ friend: UserID, of user: UserID) async throws(MPIMError) { try await stall() as Void }
    func removeFriend(_ friend: UserID, of user: UserID) async throws(MPIMError) { try await stall() as Void }
    func friends(of user: UserID) async throws(MPIMError) -> [UserID] { try await stall() }

    private func stall<T>() async throws(MPIMError) -> T {
        try? await Task.sleep(for: .seconds(3))
        throw .internal("stalled")
    }
}
