/// Failures of the domain services. The gateway maps each to its `-ERR` line
/// in one place (`Gateway/GatewayError.swift`).
public enum MPIMError: Error, Equatable, Sendable {
    case noSuchUser
    case noSuchGroup
    case notMember
    case authFailed
    case authLocked
    case userExists
    case invalidUsername
    case invalidPassword
    /// A request the contract allows in form but not in meaning (befriending oneself …).
    case refused(String)
    /// A dependency (SQLite, Redis) failed; the reason is short and safe to show.
    case `internal`(String)
    /// A service this one calls did not answer: its process is down or
    /// unreachable, or the call's deadline passed. Worth retrying later.
    case unavailable
}
