import Logging
import MPIMCore
import MPIMServices
import ServiceLifecycle
import ServicesRPC
import Synchronization

/// A services server and a gateway's clients of it over a real loopback gRPC
/// connection (127.0.0.1, a free port), run in a service group that is shut
/// down gracefully at the end, whatever `body` did.
func withLoopbackServices<T: Sendable>(
    users: any UserService, groups: any GroupService, deadline: Duration = .seconds(2),
    _ body: (Loopback) async throws -> T
) async throws -> T {
    let socket = try ListeningSocket.bind(host: "127.0.0.1", port: 0)
    let server = ServicesServer(socket: socket, users: users, groups: groups, logger: quietLogger)
    let connection = try ServicesConnection(
        address: ServiceAddress(host: "127.0.0.1", port: socket.port),
        configuration: .init(deadline: deadline, maxReconnectDelay: .milliseconds(200)), logger: quietLogger)
    // The client is the last service, so it stops first: a client that
    // reconnects while the server stops can reach a connection the server
    // accepted but never serves, which grpc-swift-nio-transport traps on
    // ("Deinited NIOAsyncWriter without calling finish()").
    let group = ServiceGroup(services: [server, connection], logger: quietLogger)
    let memberships = RecordingMemberships()
    let loopback = Loopback(
        port: socket.port, connection: connection, users: RemoteUserService(connection: connection),
        groups: RemoteGroupService(connection: connection, membership: memberships), memberships: memberships)
    return try await withThrowingTaskGroup(of: Void.self) { tasks in
        tasks.addTask { try await group.run() }
        let result: Result<T, any Error>
        do {
            result = .success(try await body(loopback))
        } catch {
            result = .failure(error)
        }
        await group.triggerGracefulShutdown()
        try await tasks.waitForAll()
        return try result.get()
    }
}

struct Loopback: Sendable {
    let port: Int
    let connection: ServicesConnection
    let users: RemoteUserService
    let groups: RemoteGroupService
    let memberships: RecordingMemberships
}

/// What the gateway-side Groups client told Messaging, in order.
final class RecordingMemberships: GroupMembershipObserver {
    enum Event: Equatable {
        case joined(UserID, GroupID)
        case leaving(UserID, GroupID)
    }

    private let state = Mutex<[Event]>([])
    var events: [Event] { state.withLock { $0 } }

    func memberJoined(_ user: UserID, group: GroupID) async throws(MPIMError) {
        state.withLock { $0.append(.joined(user, group)) }
    }

    func memberLeaving(_ user: UserID, group: GroupID) async throws(MPIMError) {
        state.withLock { $0.append(.leaving(user, group)) }
    }
}

let quietLogger: Logger = {
    var logger = Logger(label: "services-rpc-tests")
    logger.logLevel = .critical
    return logger
}()

/// The error `body` threw, or nil when it threw none.
func refusal<T>(_ body: () async throws(MPIMError) -> T) async -> MPIMError? {
    do {
        _ = try await body()
        return nil
    } catch {
        return error
    }
}
