import MPIMCore

/// Where a user's session lives: one entry per logged-in device.
public struct RouteEntry: Sendable, Equatable {
    public var device: String
    public var gateway: GatewayID

    public init(device: String, gateway: GatewayID) {
        self.device = device
        self.gateway = gateway
    }
}

/// Routes (user → gateways) and delivery of pushes to wherever users are.
public protocol PresenceService: Sendable {
    /// Records that `user` is logged in on this gateway with `device` (BindRoute).
    func bind(_ user: UserID, device: String) async
    /// Forgets this gateway's route for `user`'s `device` (UnbindRoute).
    func unbind(_ user: UserID, device: String) async
    /// Extends the route's TTL (a session's PING).
    func refresh(_ user: UserID, device: String) async
    /// The user's live routes (QueryRoute).
    func routes(of user: UserID) async throws(MPIMError) -> [RouteEntry]
    /// Pushes to every session of each user, except the session `skipping`:
    /// in process for this gateway's sessions; for the others, one round
    /// trip reads all their routes and one publish per gateway carries the
    /// push with the list of its recipients there.
    func deliver(_ push: Push, to users: [UserID], skipping: ConnectionID?) async
}

extension PresenceService {
    /// Pushes to every session of one user.
    public func deliver(_ push: Push, to user: UserID) async {
        await deliver(push, to: [user], skipping: nil)
    }
}
