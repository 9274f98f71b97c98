import GRDB
import MPIMCore
import Messaging
import Storage

/// A row of `message`.
struct MessageRecord: Codable, Sendable, FetchableRecord, MutablePersistableRecord {
    static let databaseTableName = "message"

    var id: MessageID?
    var senderID: UserID
    var recipientID: UserID?
    var groupID: GroupID?
    var text: String
    var createdAt: UnixMillis

    enum Columns {
        static let id = Column(CodingKeys.id)
        static let senderID = Column(CodingKeys.senderID)
        static let recipientID = Column(CodingKeys.recipientID)
        static let groupID = Column(CodingKeys.groupID)
        static let text = Column(CodingKeys.text)
        static let createdAt = Column(CodingKeys.createdAt)
    }

    mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }

    var chatMessage: ChatMessage {
        let conversation: Conversation = if let groupID { .group(groupID) } else { .direct(recipientID ?? 0) }
        return ChatMessage(id: id ?? 0, sender: senderID, conversation: conversation, text: text, timestamp: createdAt)
    }
}

extension MessageRecord {
    /// Decodes by hand for the text: GRDB reads a String column with
    /// `String(cString:)`, which ends at the first NUL, and a message's text
    /// is kept byte for byte, NULs included (it is bound with its length).
    /// The column's bytes are read instead, as SQLite stored them.
    init(row: Row) throws {
        id = row[Columns.id]
        senderID = row[Columns.senderID]
        recipientID = row[Columns.recipientID]
        groupID = row[Columns.groupID]
        text = try row.withUnsafeData(at: Columns.text) { $0.map { String(decoding: $0, as: UTF8.self) } ?? "" }
        createdAt = row[Columns.createdAt]
    }
}

extension MessageRecord {
    /// The columns `init(columns:)` reads, in its order, for a SELECT (named
    /// with their table, for joins).
    static let selection =
        "message.id, message.senderID, message.recipientID, message.groupID, message.text, message.createdAt"

    /// Decodes a row of `selection` read through SQLite's C API: HISTORY,
    /// SYNC and PULL read dozens of rows, and `init(row:)` finds each column
    /// by its name.
    init(columns: ColumnReader) {
        id = columns.integer(0)
        senderID = columns.integer(1)
        recipientID = columns.optionalInteger(2)
        groupID = columns.optionalInteger(3)
        text = columns.text(4)
        createdAt = columns.integer(5)
    }
}

extension Sequence<MessageRecord> {
    /// The stored messages in id order, each once, at most `limit`: what
    /// PULL and SYNC return when several sources (mailbox rows, cursors,
    /// backlog ranges) can each name the same message.
    func oldestFirst(limit: Int) -> [MessageRecord] {
        var seen = Set<MessageID>()
        return sorted { $0.id! < $1.id! }.filter { seen.insert($0.id!).inserted }.prefix(limit).map { $0 }
    }
}
