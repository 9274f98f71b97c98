/// What the server tells a session on its own, between replies, as domain
/// data. Only the gateway renders it as a protocol line (`Gateway/PushLine.swift`);
/// between gateways it travels as structured fields.
public enum Push: Sendable, Equatable {
    case message(ChatMessage)
    /// A 1:1 message, for its sender's other sessions (PROTOCOL "Delivery" 9):
    /// not addressed to them, so it moves no delivery cursor.
    case sent(ChatMessage)
    case presence(user: UserID, status: PresenceStatus)
    case kicked(reason: String)

    /// The message id this push delivers, if it delivers one (delivery receipts key on it).
    public var messageID: MessageID? {
        switch self {
        case .message(let message): message.id
        case .sent, .presence, .kicked: nil
        }
    }

    /// The group of a group message: its delivery receipts move the member's cursor there.
    public var group: GroupID? {
        guard case .message(let message) = self, case .group(let group) = message.conversation else { return nil }
        return group
    }
}

/// One push to deliver: what, the users it goes to (all their sessions), and
/// the session it skips (a group message's sending session).
public struct PushDelivery: Sendable, Equatable {
    public var push: Push
    public var users: [UserID]
    public var skipping: ConnectionID?

    public init(push: Push, users: [UserID], skipping: ConnectionID? = nil) {
        self.push = push
        self.users = users
        self.skipping = skipping
    }
}
