/// A line the server writes to a session on its own, between replies.
public enum Push: Sendable, Equatable {
    case message(ChatMessage)
    case presence(user: UserID, status: PresenceStatus)
    case kicked(reason: String)

    /// The message id this push delivers, if it delivers one (delivery receipts key on it).
    public var messageID: MessageID? {
        switch self {
        case .message(let message): message.id
        case .presence, .kicked: nil
        }
    }

    /// The wire form, without the trailing newline (PROTOCOL.md "Pushes").
    public var line: String {
        switch self {
        case .message(let m):
            switch m.conversation {
            case .direct:
                "MSG id=\(m.id) from=\(m.sender) ts=\(m.timestamp) text=\(m.text)"
            case .group(let group):
                "GMSG id=\(m.id) group=\(group) from=\(m.sender) ts=\(m.timestamp) text=\(m.text)"
            }
        case .presence(let user, let status):
            "PRESENCE uid=\(user) status=\(status.rawValue)"
        case .kicked(let reason):
            "KICKED reason=\(reason)"
        }
    }

    public var frame: PushFrame {
        guard case .message(let message) = self, case .group(let group) = message.conversation else {
            return PushFrame(line: line, messageID: messageID)
        }
        return PushFrame(line: line, messageID: message.id, group: group)
    }
}

/// A push ready for the wire, with the message it carries (if any) and that
/// message's group, which is all a gateway needs to write it and report its
/// delivery.
public struct PushFrame: Sendable, Equatable {
    public var line: String
    public var messageID: MessageID?
    public var group: GroupID?

    public init(line: String, messageID: MessageID?, group: GroupID? = nil) {
        self.line = line
        self.messageID = messageID
        self.group = group
    }
}

/// One push to deliver: the frame, the users it goes to (all their sessions),
/// and the session it skips (a group message's sending session).
public struct PushDelivery: Sendable, Equatable {
    public var frame: PushFrame
    public var users: [UserID]
    public var skipping: ConnectionID?

    public init(frame: PushFrame, users: [UserID], skipping: ConnectionID? = nil) {
        self.frame = frame
        self.users = users
        self.skipping = skipping
    }
}
