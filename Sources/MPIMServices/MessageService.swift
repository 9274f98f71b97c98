import MPIMCore

/// Messages, 1:1 and group: durable send, delivery, offline pull, acks, sync, history.
public protocol MessageService: Sendable {
    /// Queues a message and returns at once, so a connection can have many
    /// in flight. The message is stored durably, then pushed: a 1:1 message
    /// to the recipient's sessions, a group message (stored once, queued for
    /// every other member) to every session of every member except the
    /// request's `origin`. `completion` runs after that with the stored
    /// message or the refusal (`.noSuchUser`, `.noSuchGroup`, `.notMember`),
    /// completions in submission order. With a client id the sender used
    /// before, it gets the original message and nothing is stored or pushed.
    func submit(_ request: SendRequest, completion: @escaping @Sendable (Result<ChatMessage, MPIMError>) -> Void)
    /// Takes up to `limit` messages PULL owes `user` (never delivered, or
    /// pushed in ack mode and not acknowledged), oldest first, 1:1 and group
    /// alike; they are not returned again.
    func pull(for user: UserID, limit: Int) async throws(MPIMError) -> [ChatMessage]
    /// Marks messages acknowledged; returns how many of the ids are the user's.
    func acknowledge(_ messages: [MessageID], by user: UserID) async throws(MPIMError) -> Int
    /// Messages pushed in ack mode and never acknowledged, oldest first.
    func awaitingAck(for user: UserID, limit: Int) async throws(MPIMError) -> [ChatMessage]
    /// Every message addressed to `user` after `after`, oldest first,
    /// whatever its delivery state.
    func sync(for user: UserID, after: MessageID, limit: Int) async throws(MPIMError) -> [ChatMessage]
    /// Both directions of a conversation: the `limit` latest before `before`, oldest first.
    func history(of user: UserID, with peer: UserID, before: MessageID?, limit: Int)
        async throws(MPIMError) -> [ChatMessage]
    /// A group's messages, for members only: the `limit` latest before `before`, oldest first.
    func history(of user: UserID, inGroup group: GroupID, before: MessageID?, limit: Int)
        async throws(MPIMError) -> [ChatMessage]
    /// Stores a system notice (sender 0) for its id and timestamp; the
    /// caller broadcasts it. It is never pulled.
    func storeNotice(_ text: String) async throws(MPIMError) -> ChatMessage
}

/// A message a user sends, 1:1 or to a group.
public struct SendRequest: Sendable, Equatable {
    public var sender: UserID
    public var conversation: Conversation
    public var text: String
    /// The client's own id for the message (`@cid=`), for idempotent retries.
    public var clientID: String?
    /// The sending session, which a group message's push skips.
    public var origin: ConnectionID?

    public init(sender: UserID, conversation: Conversation, text: String, clientID: String? = nil,
                origin: ConnectionID? = nil) {
        self.sender = sender
        self.conversation = conversation
        self.text = text
        self.clientID = clientID
        self.origin = origin
    }
}
