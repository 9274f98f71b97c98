import GRDB
import MPIMCore
import Messaging
import Storage

/// A sequence of messages a user is delivered in id order, with one delivery
/// cursor per user: a group's messages (a cursor per member, on
/// `groupCursor`), or the 1:1 messages sent to one user (their cursor in
/// `directCursor`). The queries that differ between the two live here;
/// `DeliveryCursors` is the one algorithm over them.
enum DeliveryStream: Hashable, Sendable {
    case group(GroupID)
    /// The 1:1 messages whose recipient is this user.
    case direct(UserID)

    /// The stream's key in `deliveryBacklog.groupID`: the group, or 0 for 1:1 messages.
    var backlogKey: Int64 {
        switch self {
        case .group(let group): group
        case .direct: 0
        }
    }

    /// The stream a backlog row belongs to.
    static func fromBacklog(key: Int64, user: UserID) -> DeliveryStream {
        key == 0 ? .direct(user) : .group(key)
    }

    /// Whether a message of this stream from `sender` is owed to `user`:
    /// never a member's own group message; every 1:1 message (sending to
    /// oneself is allowed).
    func owes(from sender: UserID, to user: UserID) -> Bool {
        switch self {
        case .group: sender != user
        case .direct: true
        }
    }

    /// The user's cursor; nil when the user is not in the group.
    func cursor(of user: UserID, _ db: Database) throws -> MessageID? {
        switch self {
        case .group(let group):
            try db.cachedStatement(sql: "SELECT deliveredThrough FROM groupCursor WHERE groupID = ? AND userID = ?")
                .firstInteger(group, user, in: db)
        case .direct:
            // A user without a row has had every 1:1 message since they registered owed.
            try db.cachedStatement(sql: "SELECT COALESCE((SELECT deliveredThrough FROM directCursor WHERE userID = ?), 0)")
                .firstInteger(user, in: db)
        }
    }

    /// Moves users' cursors to the given ids.
    func moveCursors(_ moves: [(user: UserID, through: MessageID)], _ db: Database) throws {
        switch self {
        case .group(let group):
            try db.cachedStatement(sql: "UPDATE groupCursor SET deliveredThrough = ? WHERE groupID = ? AND userID = ?")
                .execute(rows: moves.lazy.map { ($0.through, group, $0.user) }, in: db)
        case .direct:
            let statement = try db.cachedStatement(sql: """
                INSERT INTO directCursor (userID, deliveredThrough) VALUES (?, ?)
                ON CONFLICT (userID) DO UPDATE SET deliveredThrough = excluded.deliveredThrough
                """)
            for move in moves {
                try statement.execute(.integer(move.user), .integer(move.through), in: db)
            }
        }
    }

    /// The ids and senders of the stream's messages in [from, through], oldest first.
    func messageIDs(from: MessageID, through: MessageID, _ db: Database) throws -> [(id: MessageID, sender: UserID)] {
        let statement = switch self {
        case .group:
            try db.cachedStatement(
                sql: "SELECT id, senderID FROM message WHERE groupID = ? AND id BETWEEN ? AND ? ORDER BY id")
        case .direct:
            try db.cachedStatement(
                sql: "SELECT id, senderID FROM message WHERE recipientID = ? AND id BETWEEN ? AND ? ORDER BY id")
        }
        return try statement.integerPairs(key, from, through, in: db).map { (id: $0.0, sender: $0.1) }
    }

    /// The newest message in (after, before) owed to the user, if any.
    func lastOwed(to user: UserID, after: MessageID, before: MessageID, _ db: Database) throws -> MessageID? {
        guard before - after > 1 else { return nil }
        switch self {
        case .group(let group):
            return try db.cachedStatement(sql: """
                SELECT id FROM message WHERE groupID = ? AND id > ? AND id < ? AND senderID != ?
                ORDER BY id DESC LIMIT 1
                """
            ).firstInteger(group, after, before, user, in: db)
        case .direct(let recipient):
            return try db.cachedStatement(sql: """
                SELECT id FROM message WHERE recipientID = ? AND id > ? AND id < ? ORDER BY id DESC LIMIT 1
                """
            ).firstInteger(recipient, after, before, in: db)
        }
    }

    /// The oldest `limit` messages in (after, through] owed to the user.
    func messages(after: MessageID, through: MessageID, owedTo user: UserID, limit: Int, _ db: Database)
        throws -> [MessageRecord]
    {
        switch self {
        case .group(let group):
            return try db.cachedStatement(sql: """
                SELECT \(MessageRecord.selection) FROM message
                WHERE groupID = ? AND id > ? AND id <= ? AND senderID != ? ORDER BY id LIMIT ?
                """
            ).rows(group, after, through, user, Int64(limit), in: db, MessageRecord.init(columns:))
        case .direct(let recipient):
            return try db.cachedStatement(sql: """
                SELECT \(MessageRecord.selection) FROM message
                WHERE recipientID = ? AND id > ? AND id <= ? ORDER BY id LIMIT ?
                """
            ).rows(recipient, after, through, Int64(limit), in: db, MessageRecord.init(columns:))
        }
    }

    private var key: Int64 {
        switch self {
        case .group(let group): group
        case .direct(let user): user
        }
    }
}
