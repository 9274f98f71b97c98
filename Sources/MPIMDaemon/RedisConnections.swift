import Logging
import RedisClient
import ServiceLifecycle

/// Owns the daemon's Redis connections: first in the service group, so it
/// is shut down last, after every service that uses them.
final class RedisConnections: Service {
    let queue: RedisConnection
    private let logger: Logger

    init(queue: RedisConnection, logger: Logger) {
        self.queue = queue
        self.logger = logger
    }

    /// Starts the connections and gives them a moment to connect, so the
    /// first logins find Redis up (they work without it too, degraded).
    func start(waitingUpTo limit: Duration) async {
        queue.start()
        let deadline = ContinuousClock.now.advanced(by: limit)
        while !queue.isConnected, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(20))
        }
        if !queue.isConnected {
            logger.warning("redis not reachable yet; running degraded until it is")
        }
    }

    func run() async throws {
        try? await gracefulShutdown()
        await queue.shutdown()
    }
}
