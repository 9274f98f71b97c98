import MPIMCore
import RedisClient

/// Which live process holds a gateway id.
///
/// The heartbeat key names the holding process (a random instance token) and
/// every connection of that process to Redis carries the client name
/// `mpimd:<gateway>:<instance>`. A heartbeat whose holder has no connection
/// is stale: its process died (a `kill -9` closes its sockets at once), so a
/// restart takes the id over without waiting for the TTL. A heartbeat whose
/// holder is connected belongs to a live process, and a second daemon with
/// that id is refused before it changes anything.
public struct GatewayLease: Sendable {
    public let gateway: GatewayID
    /// This process's token, fresh at every start.
    public let instance: String
    let redis: RedisConnection
    let ttl: Duration
    let interval: Duration

    public init(gateway: GatewayID, instance: String, redis: RedisConnection, ttl: Duration, interval: Duration) {
        self.gateway = gateway
        self.instance = instance
        self.redis = redis
        self.ttl = ttl
        self.interval = interval
    }

    /// A new instance token: 16 hex digits.
    public static func makeInstance() -> String {
        let value = UInt64.random(in: 1...UInt64.max)
        let hex = String(value, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    /// The name every Redis connection of this process gives itself (`CLIENT SETNAME`).
    public static func clientName(gateway: GatewayID, instance: String) -> String {
        "mpimd:\(gateway):\(instance)"
    }

    /// How `renew()` went.
    enum Renewal: Equatable {
        case renewed
        /// Another process holds the id now (this one's heartbeat lapsed and it was taken over).
        case heldBy(instance: String)
        case redisUnavailable
    }

    /// Takes the id at start, unless a live process holds it; then it throws
    /// and has changed nothing in Redis.
    public func claim() async throws(GatewayLeaseError) {
        for _ in 0..<5 {
            let (seen, now) = try await inspect()
            guard let holder = Heartbeat(seen) else {
                if try await takeOver(seen: seen) { return }
                continue
            }
            let age = Duration.milliseconds(max(0, now - holder.renewedAt))
            switch await isConnected(instance: holder.instance) {
            case true:
                throw .heldByLiveProcess(gateway: gateway, heartbeatAge: age)
            case false:
                if try await takeOver(seen: seen) { return }
            case nil:
                // CLIENT LIST refused (an ACL, a renamed command): a live
                // holder shows itself by renewing within an interval.
                if try await isRenewed(seen, before: .now + interval + .seconds(1)) {
                    throw .heldByLiveProcess(gateway: gateway, heartbeatAge: age)
                }
                if try await takeOver(seen: seen) { return }
            }
        }
        throw .unavailable("the heartbeat of \(gateway) kept changing")
    }

    /// Renews the heartbeat if this process holds the id, or nobody does.
    func renew() async -> Renewal {
        guard let reply = try? await redis.command([
            "EVAL", LeaseScripts.renew, "1", RedisKeys.gatewayAlive(gateway), instance, ttl.pxMilliseconds,
        ]) else { return .redisUnavailable }
        if reply.int == 1 { return .renewed }
        return .heldBy(instance: reply.string.flatMap(Heartbeat.init)?.instance ?? "?")
    }

    /// Gives the id up (graceful shutdown), if this process still holds it.
    /// False when it did not (another process took it over).
    @discardableResult
    func release() async -> Bool {
        let reply = try? await redis.command([
            "EVAL", LeaseScripts.release, "2", RedisKeys.gatewayAlive(gateway), RedisKeys.gateways, instance, gateway,
        ])
        return reply?.int == 1
    }

    /// Whether any process using `gateway`'s id has a connection to Redis;
    /// nil when Redis does not say (CLIENT LIST refused or Redis down).
    func hasConnection(_ other: GatewayID) async -> Bool? {
        let prefix = "mpimd:\(other):"
        return await clientNames()?.contains { $0.hasPrefix(prefix) }
    }

    // MARK: Helpers

    private func inspect() async throws(GatewayLeaseError) -> (value: String, now: Int64) {
        let reply = try await call(["EVAL", LeaseScripts.inspect, "1", RedisKeys.gatewayAlive(gateway)])
        let fields = reply.array ?? []
        guard fields.count == 2, let value = fields[0].string, let now = fields[1].string.flatMap({ Int64($0) }) else {
            throw .unavailable("unexpected reply to the heartbeat check")
        }
        return (value, now)
    }

    private func takeOver(seen: String) async throws(GatewayLeaseError) -> Bool {
        let reply = try await call([
            "EVAL", LeaseScripts.takeOver, "1", RedisKeys.gatewayAlive(gateway), instance, ttl.pxMilliseconds, seen,
        ])
        return reply.int == 1
    }

    /// Whether a process with this instance token is connected; a just-killed
    /// one may take Redis a moment to notice, so a "yes" is asked again once.
    private func isConnected(instance holder: String) async -> Bool? {
        let name = Self.clientName(gateway: gateway, instance: holder)
        guard let first = await clientNames() else { return nil }
        guard first.contains(name) else { return false }
        try? await Task.sleep(for: .milliseconds(200))
        return await clientNames()?.contains(name)
    }

    /// Polls the heartbeat until `deadline`; true if it changed (renewed).
    private func isRenewed(_ seen: String, before deadline: ContinuousClock.Instant) async throws(GatewayLeaseError)
        -> Bool
    {
        while ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(100))
            if try await inspect().value != seen { return true }
        }
        return false
    }

    private func clientNames() async -> [String]? {
        guard let reply = try? await redis.command(["CLIENT", "LIST"]), let text = reply.string else { return nil }
        return text.split(separator: "\n").compactMap { line in
            line.split(separator: " ").first { $0.hasPrefix("name=") }.map { String($0.dropFirst(5)) }
        }
    }

    private func call(_ arguments: [String]) async throws(GatewayLeaseError) -> RESPValue {
        do {
            return try await redis.command(arguments)
        } catch {
            throw .unavailable("redis: \(error)")
        }
    }
}

/// A heartbeat value: `<instance> <unix ms>`.
private struct Heartbeat {
    var instance: String
    var renewedAt: Int64

    init?(_ value: String) {
        let parts = value.split(separator: " ")
        guard parts.count == 2, let renewedAt = Int64(parts[1]) else { return nil }
        instance = String(parts[0])
        self.renewedAt = renewedAt
    }
}

/// Why the gateway id could not be taken or kept.
public enum GatewayLeaseError: Error, Equatable, CustomStringConvertible {
    /// Another running process holds the id: this one must not start.
    case heldByLiveProcess(gateway: GatewayID, heartbeatAge: Duration)
    /// Another process took the id over while this one ran (its heartbeat lapsed).
    case lost(gateway: GatewayID, to: String)
    /// Redis failed while the id was being checked.
    case unavailable(String)

    public var description: String {
        switch self {
        case .heldByLiveProcess(let gateway, let age):
            let seconds = age.components.seconds
            return "gateway id \(gateway) is held by a live process (heartbeat \(seconds) s ago); choose another --gateway-id"
        case .lost(let gateway, let other):
            return "gateway id \(gateway) was taken over by another process (instance \(other)) after this one's "
                + "heartbeat lapsed; stopping so that one process holds it"
        case .unavailable(let reason):
            return "cannot check who holds the gateway id: \(reason)"
        }
    }
}
