/// A user's id: a positive 64-bit integer assigned by the store.
public typealias UserID = Int64

/// A message's id: unique and increasing across the cluster and across restarts.
public typealias MessageID = Int64

/// A gateway's id (`--gateway-id`), the name of its pub/sub channel and route value.
public typealias GatewayID = String

/// Milliseconds since the Unix epoch, as the wire format carries them.
public typealias UnixMillis = Int64

extension UnixMillis {
    /// Wall-clock now, in Unix milliseconds.
    public static func now() -> UnixMillis {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Int64(spec.tv_sec) * 1000 + Int64(spec.tv_nsec) / 1_000_000
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Identifies one client connection on a gateway for its whole life.
public struct ConnectionID: Hashable, Sendable, CustomStringConvertible {
    public let value: UInt64
    public init(_ value: UInt64) { self.value = value }
    public var description: String { String(value) }
}
