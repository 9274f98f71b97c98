/// What a `KICKED reason=…` means for the client: whether to log in again.
public enum Kick: Sendable, Equatable {
    /// The server went away or dropped this connection (`server shutdown`,
    /// `idle timeout`, `slow consumer`): nobody took the session's place, so
    /// the client reconnects and logs in again.
    case dropped(reason: String)
    /// Another login took the session's place (`duplicate login`, `too many
    /// devices`, or a reason this client does not know): logging in again would
    /// push that one out in turn, so the client stays signed out.
    case signedOut(reason: String)

    static let droppedReasons: Set<String> = ["server shutdown", "idle timeout", "slow consumer"]

    public init(reason: String) {
        self = Self.droppedReasons.contains(reason) ? .dropped(reason: reason) : .signedOut(reason: reason)
    }

    /// The reason as the server wrote it.
    public var reason: String {
        switch self {
        case .dropped(let reason), .signedOut(let reason): reason
        }
    }

    public var signsOut: Bool {
        if case .signedOut = self { true } else { false }
    }
}
