import MPIMCore

/// 1:1 messages: durable send, delivery, offline pull, history.
public protocol MessageService: Sendable {
    /// Stores the message durably, then pushes it to the recipient's sessions.
    /// Returns once it is committed; `.noSuchUser` if the recipient is unknown.
    func send(from sender: UserID, to recipient: UserID, text: String) async throws(MPIMError) -> ChatMessage
    /// Takes up to `limit` messages that reached no session of `user`, oldest
    /// first; they are not returned again.
    func pull(for user: UserID, limit: Int) async throws(MPIMError) -> [ChatMessage]
    /// Both directions of a conversation: the `limit` latest before `before`, oldest first.
    func history(of user: UserID, with peer: UserID, before: MessageID?, limit: Int)
        async throws(MPIMError) -> [ChatMessage]
}
