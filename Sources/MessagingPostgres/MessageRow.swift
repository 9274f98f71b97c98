import MPIMCore
import NIOCore
import PostgresNIO

/// A row of `message` as the store's queries select it:
/// `id, sender_id, recipient_id, group_id, body, created_at`.
struct MessageRow {
    static let columns = "id, sender_id, recipient_id, group_id, body, created_at"

    typealias Columns = (MessageID, UserID, UserID?, GroupID?, ByteBuffer, UnixMillis)

    /// The message a row holds; its text is the stored bytes, NULs included.
    static func chatMessage(_ columns: Columns) -> ChatMessage {
        let (id, sender, recipient, group, body, createdAt) = columns
        let conversation: Conversation = if let group { .group(group) } else { .direct(recipient ?? 0) }
        return ChatMessage(id: id, sender: sender, conversation: conversation, text: String(buffer: body),
                           timestamp: createdAt)
    }
}

extension PostgresClient {
    /// The messages a query selects in `MessageRow.columns` order.
    func messages(_ query: PostgresQuery) async throws -> [ChatMessage] {
        try await self.query(query).decode(MessageRow.Columns.self).collect().map(MessageRow.chatMessage)
    }
}
