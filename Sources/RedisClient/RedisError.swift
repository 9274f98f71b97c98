/// Why a Redis call failed.
public enum RedisError: Error, Equatable, Sendable {
    /// Not connected, the connection was lost, or connecting failed; the string says why.
    case unavailable(String)
    /// The command timed out; the connection has been reset.
    case timeout
    /// Redis answered with an error reply (thrown by `command` only; `pipeline` returns `.error` values).
    case server(String)
    /// Too many commands are already queued.
    case overloaded
    /// The connection or subscriber was shut down.
    case shutdown
}
