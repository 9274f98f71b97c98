import MPIMCore

/// Where one session of a user lives: its device, its gateway, its login time.
public struct RouteEntry: Sendable, Equatable {
    public var device: String
    public var gateway: GatewayID
    public var since: UnixMillis

    public init(device: String, gateway: GatewayID, since: UnixMillis) {
        self.device = device
        self.gateway = gateway
        self.since = since
    }

}

/// Presence: routes (user → gateways), statuses, sessions' coming and
/// going, kicks and notices to every gateway. The routing service; pushes go
/// through `DeliveryService`.
public protocol PresenceService: Sendable {
    /// A session logged in here (BindRoute). Kicks an older session of the
    /// same device and, past the device limit, the oldest other ones; tells
    /// friends when this makes the user come online.
    func sessionStarted(_ session: LiveRoute, connection: ConnectionID) async
    /// This gateway's last session of that user and device ended
    /// (UnbindRoute); tells friends when the user is now offline.
    func sessionEnded(_ session: LiveRoute) async
    /// Extends the route's TTL (a session's PING).
    func refresh(_ session: LiveRoute) async
    /// Sets the user's status and tells friends if what they see changed.
    func setStatus(_ status: PresenceStatus, of user: UserID) async throws(MPIMError)
    /// Statuses as others see them (invisible reads offline), in order.
    func statuses(of users: [UserID]) async throws(MPIMError) -> [PresenceStatus]
    /// Closes the user's sessions (on `device`, or all) on every gateway with
    /// `KICKED reason=<reason>`; returns how many routes matched.
    func kick(_ user: UserID, device: String?, reason: String) async throws(MPIMError) -> Int
    /// Pushes to every session on every gateway.
    func broadcast(_ push: Push) async throws(MPIMError)
    /// The user's live routes (QueryRoute).
    func routes(of user: UserID) async throws(MPIMError) -> [RouteEntry]
}

/// Pushes to wherever users are: this gateway's sessions in process, the
/// others' through their gateways.
public protocol DeliveryService: Sendable {
    /// Pushes each delivery to every session of its users, except the
    /// session it skips, in order: in process for this gateway's sessions;
    /// for the others, one round trip reads all their routes and one publish
    /// per gateway carries that gateway's share of the batch.
    func deliver(_ deliveries: [PushDelivery]) async
    /// `deliver` without waiting: this gateway's sessions have their pushes
    /// queued when it returns; other gateways get theirs in order, after
    /// those of every earlier `post` and `deliver`. Never blocks.
    func post(_ deliveries: [PushDelivery])
}
