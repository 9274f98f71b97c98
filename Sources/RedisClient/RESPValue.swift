/// A Redis reply, copied out of hiredis so it outlives the reply object.
public enum RESPValue: Sendable, Hashable {
    /// A status reply such as `OK`.
    case simpleString(String)
    /// An error reply such as `ERR unknown command`.
    case error(String)
    /// An integer reply.
    case integer(Int64)
    /// A bulk string, kept as bytes because Redis strings are binary.
    case bulkString([UInt8])
    /// A nil bulk string or nil array.
    case null
    /// A multi-bulk reply.
    case array([RESPValue])

    /// The text of a status or bulk string; `nil` for other cases or a bulk string that is not valid UTF-8.
    public var string: String? {
        switch self {
        case .simpleString(let text): text
        case .bulkString(let bytes): String(validating: bytes, as: UTF8.self)
        default: nil
        }
    }

    /// The bytes of a bulk or status string.
    public var bytes: [UInt8]? {
        switch self {
        case .simpleString(let text): Array(text.utf8)
        case .bulkString(let bytes): bytes
        default: nil
        }
    }

    /// An integer reply, or a string reply that parses as a decimal integer (Redis returns numbers as strings from `GET`).
    public var int: Int64? {
        if case .integer(let value) = self { return value }
        return string.flatMap { Int64($0) }
    }

    /// The elements of an array reply.
    public var array: [RESPValue]? {
        if case .array(let elements) = self { return elements }
        return nil
    }

    /// Whether this is a nil reply.
    public var isNull: Bool { self == .null }
}
