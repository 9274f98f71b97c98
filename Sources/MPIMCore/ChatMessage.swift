/// A group's id: a positive 64-bit integer assigned by the store.
public typealias GroupID = Int64

/// Where a message goes: one user, or every member of a group.
public enum Conversation: Sendable, Equatable, Hashable {
    case direct(UserID)
    case group(GroupID)
}

/// A stored message, 1:1 or group, as every module sees it.
public struct ChatMessage: Sendable, Equatable {
    public var id: MessageID
    public var sender: UserID
    public var conversation: Conversation
    public var text: String
    public var timestamp: UnixMillis

    public init(id: MessageID, sender: UserID, conversation: Conversation, text: String, timestamp: UnixMillis) {
        self.id = id
        self.sender = sender
        self.conversation = conversation
        self.text = text
        self.timestamp = timestamp
    }
}
