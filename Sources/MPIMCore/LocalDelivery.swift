/// Writes pushes to the sessions connected to this gateway.
///
/// The gateway's session table implements it; presence calls it for local
/// deliveries and for deliveries that arrive from other gateways over Redis.
/// Calls never block: they only enqueue bytes on the sessions' channels.
public protocol LocalDelivery: Sendable {
    /// Pushes `push` to every local session of each user. Returns the users
    /// that had at least one live session here.
    @discardableResult
    func deliver(_ frame: PushFrame, to users: [UserID]) -> [UserID]

    /// The (user, device) pairs logged in on this gateway, for route refresh.
    func liveRoutes() -> [(user: UserID, device: String)]
}

/// Told when a message push was written to a session, so the message is not
/// returned again by PULL; implemented by Messaging.
public protocol DeliveryReceipts: Sendable {
    func pushed(_ message: MessageID, to user: UserID)
}
