import Logging
import RedisClient
import ServiceLifecycle

/// Owns the process's Redis connections (a gateway's queue and cache roles,
/// a services process's cache alone): first in the service group, so it is
/// shut down last, after every service that uses them.
final class RedisConnections: Service {
    private let connections: [RedisConnection]
    private let logger: Logger

    init(_ connections: [RedisConnection], logger: Logger) {
        self.connections = connections
        self.logger = logger
    }

    private var allConnected: Bool { connections.allSatisfy(\.isConnected) }

    /// Starts the connections and gives them a moment to connect, so the
    /// first logins find Redis up (they work without it too, degraded).
    func start(waitingUpTo limit: Duration) async {
        for connection in connections { connection.start() }
        let deadline = ContinuousClock.now.advanced(by: limit)
        while !allConnected, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(20))
        }
        if !allConnected {
            logger.warning("redis not reachable yet; running degraded until it is")
        }
    }

    func run() async throws {
        try? await gracefulShutdown()
        await shutdown()
    }

    /// Stops every connection's thread.
    func shutdown() async {
        for connection in connections { await connection.shutdown() }
    }
}
