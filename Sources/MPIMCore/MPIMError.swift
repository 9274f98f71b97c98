/// Failures of the domain services. The gateway maps each to its `-ERR` line
/// in one place (`Gateway/ErrorReplies.swift`).
public enum MPIMError: Error, Equatable, Sendable {
    case noSuchUser
    case authFailed
    case authLocked
    case userExists
    case invalidUsername
    case invalidPassword
    /// A dependency (SQLite, Redis) failed; the reason is short and safe to show.
    case `internal`(String)
}
