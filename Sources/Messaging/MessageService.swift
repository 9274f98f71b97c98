import MPIMCore

/// Messages, 1:1 and group: durable send, delivery, offline pull, history.
public protocol MessageService: Sendable {
    /// Stores the message durably, then pushes it to the recipient's sessions.
    /// Returns once it is committed; `.noSuchUser` if the recipient is unknown.
    func send(from sender: UserID, to recipient: UserID, text: String) async throws(MPIMError) -> ChatMessage
    /// Stores a group message durably (once, queued for every other member),
    /// then pushes it to every session of every member except `origin`, the
    /// sending session. `.noSuchGroup` / `.notMember` when refused.
    func send(from sender: UserID, toGroup group: GroupID, text: String, origin: ConnectionID?)
        async throws(MPIMError) -> ChatMessage
    /// Takes up to `limit` messages that reached no session of `user`, oldest
    /// first, 1:1 and group alike; they are not returned again.
    func pull(for user: UserID, limit: Int) async throws(MPIMError) -> [ChatMessage]
    /// Both directions of a conversation: the `limit` latest before `before`, oldest first.
    func history(of user: UserID, with peer: UserID, before: MessageID?, limit: Int)
        async throws(MPIMError) -> [ChatMessage]
    /// A group's messages, for members only: the `limit` latest before `before`, oldest first.
    func history(of user: UserID, inGroup group: GroupID, before: MessageID?, limit: Int)
        async throws(MPIMError) -> [ChatMessage]
}
