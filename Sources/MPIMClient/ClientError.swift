/// Why a request or a connection failed, in words a user can read.
public enum MPIMClientError: Error, Equatable, CustomStringConvertible {
    /// No connection is up (it is being re-established, or was never made).
    case notConnected
    /// The connection closed before the reply came; the command may or may not have run.
    case connectionClosed
    /// No reply within the limit; the connection stays up and the late reply is dropped.
    case timedOut(Duration)
    /// The first line was not `+OK welcome…`.
    case notMPIMServer(greeting: String)
    /// A command line must be one line.
    case lineContainsNewline

    public var description: String {
        switch self {
        case .notConnected: "not connected"
        case .connectionClosed: "connection lost before the reply (the command may or may not have run)"
        case .timedOut(let limit): "no reply within \(limit)"
        case .notMPIMServer(let greeting): "not an mpim server (it said \"\(greeting)\")"
        case .lineContainsNewline: "a command cannot contain a line break"
        }
    }
}
