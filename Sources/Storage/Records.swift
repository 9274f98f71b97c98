import Foundation
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

extension Sequence<MessageRecord> {
    /// The stored messages in id order, each once, at most `limit`: what
    /// PULL and SYNC return when several sources (mailbox rows, cursors,
    /// backlog ranges) can each name the same message.
    func oldestFirst(limit: Int) -> [MessageRecord] {
        var seen = Set<MessageID>()
        return sorted { $0.id! < $1.id! }.filter { seen.insert($0.id!).inserted }.prefix(limit).map { $0 }
    }
}

/// What a push did for its recipient (`MailboxReceipt`), and the state of a
/// `mailbox` row: a message pushed to a session in ack mode has one. A
/// message that reached no session has neither: it is past its recipient's
/// delivery cursor, or in a backlog range (`DeliveryCursors`).
public enum MailboxState: Int, Sendable {
    /// Pushed to a session in ack mode and not acknowledged yet: PULL returns
    /// it, and it is pushed again when a session of the user logs in.
    case awaitingAck = 1
    /// Pushed (and acknowledged, in ack mode) or pulled.
    case delivered = 2
}

/// A row of `chatGroup`.
struct GroupRecord: Codable, Sendable, FetchableRecord, MutablePersistableRecord {
    static let databaseTableName = "chatGroup"

    var id: GroupID?
    var name: String
    var description: String
    var creatorID: UserID
    var createdAt: UnixMillis

    mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}

/// A row of `groupMember`.
struct GroupMemberRecord: Codable, Sendable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "groupMember"

    var groupID: GroupID
    var userID: UserID
    var joinedAt: UnixMillis
    /// The newest message id when the user joined; the group's later messages are addressed to them.
    var joinedAfter: MessageID
    /// Every message of the group up to this id reached the user, except the
    /// ranges in `deliveryBacklog`; PULL owes the ones after it.
    var deliveredThrough: MessageID
}

/// A row of `friendship` (one per direction).
struct FriendshipRecord: Codable, Sendable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "friendship"

    var userID: UserID
    var friendID: UserID
    var createdAt: UnixMillis
}
