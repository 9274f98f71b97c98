/// What a caller needs of a Redis connection to send commands: the seam
/// where unit tests put a fake instead of a server.
public protocol RedisCommands: Sendable {
    /// Sends one command; an error reply is thrown as ``RedisError/server(_:)``.
    func command(_ args: [String]) async throws -> RESPValue
    /// Sends the commands in one batch; one reply per command, error replies as values.
    func pipeline(_ commands: [[String]]) async throws -> [RESPValue]
    /// The same with binary-safe arguments (a protobuf payload: any byte, NUL and newline included).
    func pipeline(bytes commands: [[[UInt8]]]) async throws -> [RESPValue]
}

extension RedisConnection: RedisCommands {}
