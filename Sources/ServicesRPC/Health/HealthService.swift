import GRPCCore
import Synchronization

/// The standard gRPC health service (grpc.health.v1) of a services process:
/// SERVING for the whole server (`""`) and for each service it runs, until
/// the process starts shutting down; then NOT_SERVING, so a checker stops
/// sending calls before the listener closes. Watchers get the status at
/// once and each change after; shutting down ends their calls, which would
/// otherwise hold the server's drain open.
final class HealthService: Sendable {
    typealias Status = Grpc_Health_V1_HealthCheckResponse.ServingStatus

    private struct Watcher {
        /// Whether it watches a service this server runs (told NOT_SERVING at
        /// shutdown) rather than one it does not (only ended).
        var known: Bool
        var continuation: AsyncStream<Status>.Continuation
    }

    private struct State {
        var serving = true
        var nextWatcher = 0
        var watchers: [Int: Watcher] = [:]
    }

    /// Full names of the services served (`mpim.users.v1.Users`).
    private let services: Set<String>
    private let state = Mutex(State())

    init(services: Set<String>) {
        self.services = services
    }

    /// The status of `service`, or nil for a service this server does not run.
    func status(of service: String) -> Status? {
        guard service.isEmpty || services.contains(service) else { return nil }
        return state.withLock { $0.serving } ? .serving : .notServing
    }

    /// From now on NOT_SERVING; every watch call gets it and ends.
    func stopServing() {
        let watchers = state.withLock { state in
            state.serving = false
            defer { state.watchers = [:] }
            return state.watchers.values
        }
        for watcher in watchers {
            if watcher.known { watcher.continuation.yield(.notServing) }
            watcher.continuation.finish()
        }
    }

    /// The statuses a watch call writes: the one now, then each change.
    func watchStream(_ service: String) -> AsyncStream<Status> {
        let (stream, continuation) = AsyncStream.makeStream(of: Status.self)
        let status = status(of: service)
        continuation.yield(status ?? .serviceUnknown)
        let id: Int? = state.withLock { state in
            guard state.serving else { return nil }
            let id = state.nextWatcher
            state.nextWatcher += 1
            state.watchers[id] = Watcher(known: status != nil, continuation: continuation)
            return id
        }
        guard let id else {
            continuation.finish()
            return stream
        }
        continuation.onTermination = { [weak self] _ in
            _ = self?.state.withLock { $0.watchers.removeValue(forKey: id) }
        }
        return stream
    }
}

extension HealthService: Grpc_Health_V1_Health.SimpleServiceProtocol {
    func check(request: Grpc_Health_V1_HealthCheckRequest, context: ServerContext) async throws
        -> Grpc_Health_V1_HealthCheckResponse
    {
        guard let status = status(of: request.service) else {
            throw RPCError(code: .notFound, message: "unknown service \(request.service)")
        }
        return .with { $0.status = status }
    }

    func watch(request: Grpc_Health_V1_HealthCheckRequest, response: RPCWriter<Grpc_Health_V1_HealthCheckResponse>,
               context: ServerContext) async throws {
        for await status in watchStream(request.service) {
            try await response.write(.with { $0.status = status })
        }
    }
}
