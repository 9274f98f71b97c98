/// A stored 1:1 message, as every module sees it.
public struct ChatMessage: Sendable, Equatable {
    public var id: MessageID
    public var sender: UserID
    public var recipient: UserID
    public var text: String
    public var timestamp: UnixMillis

    public init(id: MessageID, sender: UserID, recipient: UserID, text: String, timestamp: UnixMillis) {
        self.id = id
        self.sender = sender
        self.recipient = recipient
        self.text = text
        self.timestamp = timestamp
    }
}
