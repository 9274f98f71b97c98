import Logging
import RedisClient
import ServiceLifecycle

/// Owns the daemon's Redis connections: first in the service group, so it
/// is shut down last, after every service that uses them.
final class RedisConnections: Service {
    /// Routes and publishing (`[redis_queue]`).
    let queue: RedisConnection
    /// Cache-aside entries (`[redis_cache]`).
    let cache: RedisConnection
    private let logger: Logger

    init(queue: RedisConnection, cache: RedisConnection, logger: Logger) {
        self.queue = queue
        self.cache = cache
        self.logger = logger
    }

    /// Starts the connections and gives them a moment to connect, so the
    /// first logins find Redis up (they work without it too, degraded).
    func start(waitingUpTo limit: Duration) async {
        queue.start()
        cache.start()
        let deadline = ContinuousClock.now.advanced(by: limit)
        while !(queue.isConnected && cache.isConnected), ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(20))
        }
        if !(queue.isConnected && cache.isConnected) {
            logger.warning("redis not reachable yet; running degraded until it is")
        }
    }

    func run() async throws {
        try? await gracefulShutdown()
        await shutdown()
    }

    /// Stops both connections' threads.
    func shutdown() async {
        await queue.shutdown()
        await cache.shutdown()
    }
}
