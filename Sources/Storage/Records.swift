import GRDB
import MPIMCore

/// A row of `user`.
public struct UserRecord: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "user"

    public var id: UserID?
    public var name: String
    public var passwordHash: String
    public var createdAt: UnixMillis

    public enum Columns {
        static let id = Column(CodingKeys.id)
        static let name = Column(CodingKeys.name)
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}

/// A row of `message`.
struct MessageRecord: Codable, Sendable, FetchableRecord, MutablePersistableRecord {
    static let databaseTableName = "message"

    var id: MessageID?
    var senderID: UserID
    var recipientID: UserID?
    var groupID: Int64?
    var text: String
    var createdAt: UnixMillis

    enum Columns {
        static let id = Column(CodingKeys.id)
        static let senderID = Column(CodingKeys.senderID)
        static let recipientID = Column(CodingKeys.recipientID)
    }

    mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }

    var chatMessage: ChatMessage {
        ChatMessage(id: id ?? 0, sender: senderID, recipient: recipientID ?? 0, text: text, timestamp: createdAt)
    }
}

/// A row of `inbox`: a message its recipient has not received yet.
struct InboxRecord: Codable, Sendable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "inbox"

    var userID: UserID
    var messageID: MessageID

    enum Columns {
        static let userID = Column(CodingKeys.userID)
        static let messageID = Column(CodingKeys.messageID)
    }
}
