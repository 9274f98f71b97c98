import MPIMCore

/// Messages, 1:1 and group: durable send, delivery, offline pull, acks, sync, history.
public protocol MessageService: Sendable {
    /// Stores the message durably, then pushes it to the recipient's sessions.
    /// Returns once it is committed; `.noSuchUser` if the recipient is unknown.
    /// With a client id the sender used before, returns the original message
    /// and stores and pushes nothing.
    func send(from sender: UserID, to recipient: UserID, text: String, clientID: String?)
        async throws(MPIMError) -> ChatMessage
    /// Stores a group message durably (once, queued for every other member),
    /// then pushes it to every session of every member except `origin`, the
    /// sending session. `.noSuchGroup` / `.notMember` when refused. Client
    /// ids work as for `send`.
    func send(from sender: UserID, toGroup group: GroupID, text: String, clientID: String?, origin: ConnectionID?)
        async throws(MPIMError) -> ChatMessage
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
}
