import GRDB
import MPIMCore

extension AppDatabase {
    /// Whether a write transaction commits right now (for /healthz).
    public func isWritable() async -> Bool {
        do {
            try await writer.write { db in
                try db.execute(sql: "INSERT OR REPLACE INTO healthProbe (id, checkedAt) VALUES (1, ?)",
                               arguments: [UnixMillis.now()])
            }
            return true
        } catch {
            return false
        }
    }

    /// Stores a system notice (sender 0, addressed to nobody in particular)
    /// for its id and timestamp; it is pushed, never pulled.
    public func storeNotice(_ text: String) async throws -> ChatMessage {
        try await writer.write { db in
            var record = MessageRecord(id: nil, senderID: 0, recipientID: nil, groupID: nil, text: text,
                                       createdAt: .now())
            try record.insert(db)
            return ChatMessage(id: record.id!, sender: 0, conversation: .direct(0), text: text,
                               timestamp: record.createdAt)
        }
    }
}
