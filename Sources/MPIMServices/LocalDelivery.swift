import MPIMCore

/// A logged-in session as its route records it: who, which device, since when.
public struct LiveRoute: Sendable, Equatable {
    public var user: UserID
    public var device: String
    /// Login time; with the gateway id it identifies the session's route entry.
    public var since: UnixMillis

    public init(user: UserID, device: String, since: UnixMillis) {
        self.user = user
        self.device = device
        self.since = since
    }
}

/// Writes pushes to the sessions connected to this gateway.
///
/// The gateway's session table implements it; presence calls it for local
/// deliveries and for deliveries that arrive from other gateways over Redis.
/// Calls never block: they only enqueue bytes on the sessions' channels.
public protocol LocalDelivery: Sendable {
    /// Pushes each delivery to every local session of its users except the
    /// session it skips (a group message's sending session), in order (a
    /// session sees them in this order); returns how many (delivery, user)
    /// pairs reached a session here.
    @discardableResult
    func deliver(_ deliveries: [PushDelivery]) -> Int

    /// Sends `KICKED reason=<reason>` to the user's local sessions on
    /// `device` (every device when nil), except `sparing`, and closes them.
    func kick(_ user: UserID, device: String?, reason: String, sparing: ConnectionID?)

    /// Pushes `frame` to every logged-in session on this gateway.
    func broadcast(_ push: Push)

    /// The sessions logged in on this gateway, for route refresh.
    func liveRoutes() -> [LiveRoute]
}

/// Told when a message push was written to a session, so the message is not
/// returned again by PULL (or, for a session in ack mode, is returned until
/// acknowledged); implemented by Messaging.
public protocol DeliveryReceipts: Sendable {
    /// The pushes one write carried, in order: one hand-off for all of them.
    func pushed(_ receipts: [PushReceipt])
}

/// A message push written to one of a user's sessions.
public struct PushReceipt: Sendable, Equatable {
    public var message: MessageID
    /// The message's group; nil for a 1:1 message.
    public var group: GroupID?
    public var user: UserID
    /// The session is in ack mode: the message counts as delivered only once acknowledged.
    public var awaitingAck: Bool

    public init(message: MessageID, group: GroupID?, user: UserID, awaitingAck: Bool) {
        self.message = message
        self.group = group
        self.user = user
        self.awaitingAck = awaitingAck
    }
}
