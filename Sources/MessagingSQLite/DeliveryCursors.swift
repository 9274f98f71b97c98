import GRDB
import MPIMCore
import Messaging
import Storage

/// What each user is owed, kept without a row per recipient per message: a
/// message is stored once, and each `DeliveryStream` (a group's messages, for
/// each member; the 1:1 messages sent to a user) carries a cursor per user.
/// Every message of the stream up to the cursor reached the user, except the
/// ranges listed in `deliveryBacklog` (messages missed while offline, kept
/// when the cursor moved past them); PULL owes the user those ranges and
/// everything after the cursor. A member's own group messages are never owed
/// to them.
///
/// Pushes reach a user's sessions in commit order, so a receipt usually just
/// moves the cursor forward: one update per user and stream per batch, where
/// a mailbox row per recipient per message cost the writer an insert and an
/// update of two indexes each.
///
/// A message pushed to a session in ack mode gets a `mailbox` row
/// (`awaitingAck`), so PULL, ACK and the re-push at login find it there.
enum DeliveryCursors {
    /// The newest message id stored: a new membership starts after it.
    static func newestMessageID(_ db: Database) throws -> MessageID {
        try MessageID.fetchOne(db.cachedStatement(sql: "SELECT COALESCE(MAX(id), 0) FROM message")) ?? 0
    }

    // MARK: Receipts

    /// How far below a batch's oldest receipt a stream's messages are read
    /// in one go to place users' cursors.
    static let spanReach: MessageID = 4096

    /// Records deliveries: receipts of pushes that reached sessions, or (from
    /// ACK) messages a user confirmed.
    static func record(_ receipts: [MailboxReceipt], _ db: Database) throws {
        var byStream: [DeliveryStream: [MailboxReceipt]] = [:]
        for receipt in receipts {
            byStream[receipt.group.map { .group($0) } ?? .direct(receipt.user), default: []].append(receipt)
        }
        for (stream, receipts) in byStream {
            try record(receipts, in: stream, db)
        }
    }

    private static func record(_ receipts: [MailboxReceipt], in stream: DeliveryStream, _ db: Database) throws {
        guard let lowest = receipts.lazy.map({ $0.message }).min(),
              let highest = receipts.lazy.map({ $0.message }).max()
        else { return }
        // The strongest state per (user, message): two sessions of one user,
        // one in ack mode, make the message delivered.
        var states: [UserID: [MessageID: MailboxState]] = [:]
        for receipt in receipts {
            let known = states[receipt.user]?[receipt.message]
            if known == nil || known!.rawValue < receipt.state.rawValue {
                states[receipt.user, default: [:]][receipt.message] = receipt.state
            }
        }
        let cursors = try states.keys.map { user in (user, try stream.cursor(of: user, db)) }
        // The stream's messages from the oldest cursor on (but not from too
        // far back: a user far behind is looked up on their own): what a user
        // missed between two messages that reached them is found here.
        let oldestCursor = cursors.compactMap { $0.1 }.filter { $0 < lowest }.min() ?? lowest
        let span = try StreamSpan(
            stream: stream, from: max(oldestCursor + 1, lowest - spanReach), through: highest, db)
        var moves: [(user: UserID, through: MessageID)] = []
        var awaitingAck: [(Int64, Int64, Int64)] = []
        for (user, through) in cursors {
            let messages = states[user]!
            let ids = messages.keys.sorted()
            for id in ids where through.map({ id <= $0 }) ?? true {
                try recordLate(id, state: messages[id]!, of: user, in: stream, db)
            }
            guard let through, let last = ids.last, last > through else { continue }
            var previous = through
            for id in ids where id > through {
                if let missed = try span.lastOwed(to: user, after: previous, before: id, db) {
                    try addBacklog(of: user, in: stream, after: previous, through: missed, db)
                }
                if messages[id] == .awaitingAck {
                    awaitingAck.append((user, id, Int64(MailboxState.awaitingAck.rawValue)))
                }
                previous = id
            }
            moves.append((user, last))
        }
        try stream.moveCursors(moves, db)
        try addAwaitingAck(awaitingAck, db)
    }

    /// Mailbox rows (user, message, awaitingAck state) for pushes to ack-mode sessions.
    private static func addAwaitingAck(_ rows: [(Int64, Int64, Int64)], _ db: Database) throws {
        try db.cachedStatement(sql: "INSERT OR IGNORE INTO mailbox (userID, messageID, state) VALUES (?, ?, ?)")
            .execute(rows: rows, in: db)
    }

    /// A receipt for a message the cursor has passed: it was pulled already,
    /// or it sits in a backlog range (taken out of it now), or it has a
    /// mailbox row awaiting an ack that moves forward.
    private static func recordLate(
        _ message: MessageID, state: MailboxState, of user: UserID, in stream: DeliveryStream, _ db: Database
    ) throws {
        try db.cachedStatement(
            sql: "UPDATE mailbox SET state = ?3 WHERE userID = ?1 AND messageID = ?2 AND state < ?3"
        ).execute(rows: [(user, message, Int64(state.rawValue))], in: db)
        let containing = try Row.fetchOne(
            db.cachedStatement(sql: """
                SELECT afterID, throughID FROM deliveryBacklog
                WHERE userID = ? AND groupID = ? AND afterID < ? ORDER BY afterID DESC LIMIT 1
                """),
            arguments: [user, stream.backlogKey, message])
        guard let containing, let after: MessageID = containing[0], let through: MessageID = containing[1],
              through >= message
        else { return }
        try db.execute(
            sql: "DELETE FROM deliveryBacklog WHERE userID = ? AND groupID = ? AND afterID = ?",
            arguments: [user, stream.backlogKey, after])
        if let missed = try stream.lastOwed(to: user, after: after, before: message, db) {
            try addBacklog(of: user, in: stream, after: after, through: missed, db)
        }
        if through > message {
            try addBacklog(of: user, in: stream, after: message, through: through, db)
        }
        if state == .awaitingAck {
            try addAwaitingAck([(user, message, Int64(state.rawValue))], db)
        }
    }

    private static func addBacklog(
        of user: UserID, in stream: DeliveryStream, after: MessageID, through: MessageID, _ db: Database
    ) throws {
        try addRange(to: "deliveryBacklog", user: user, group: stream.backlogKey, after: after, through: through, db)
    }

    /// A row of `deliveryBacklog` or `pastMembership` (same columns): a range
    /// starting where one starts already extends it.
    private static func addRange(
        to table: String, user: UserID, group: Int64, after: MessageID, through: MessageID, _ db: Database
    ) throws {
        try db.execute(
            sql: """
                INSERT INTO \(table) (userID, groupID, afterID, throughID) VALUES (?, ?, ?, ?)
                ON CONFLICT DO UPDATE SET throughID = MAX(throughID, excluded.throughID)
                """,
            arguments: [user, group, after, through])
    }

    // MARK: Membership

    /// A member leaves: what the group still owed them becomes a backlog
    /// range (PULL returns it), and their time in the group is kept for SYNC.
    static func endMembership(_ member: GroupCursorRecord, in db: Database) throws {
        let head = try newestMessageID(db)
        let stream = DeliveryStream.group(member.groupID)
        if let missed = try stream.lastOwed(to: member.userID, after: member.deliveredThrough, before: head + 1, db) {
            try addBacklog(of: member.userID, in: stream, after: member.deliveredThrough, through: missed, db)
        }
        guard head > member.joinedAfter else { return }
        try addRange(
            to: "pastMembership", user: member.userID, group: member.groupID, after: member.joinedAfter, through: head, db)
    }

    // MARK: Reading

    /// A stretch of one stream's messages: (after, through], or everything after `after`.
    struct Stretch {
        var stream: DeliveryStream
        var after: MessageID
        var through: MessageID?
    }

    /// What PULL owes the user: their 1:1 messages past their cursor, each
    /// group membership past its cursor, and each backlog range.
    static func owedStretches(to user: UserID, _ db: Database) throws -> [Stretch] {
        let direct = try DeliveryStream.direct(user).cursor(of: user, db) ?? 0
        return try [Stretch(stream: .direct(user), after: direct, through: nil)]
            + stretches("SELECT groupID, deliveredThrough, NULL FROM groupCursor WHERE userID = ?", of: user, db)
            + stretches("SELECT groupID, afterID, throughID FROM deliveryBacklog WHERE userID = ?", of: user, db)
    }

    /// Everything addressed to the user: every 1:1 message to them, and their
    /// time in each group, now and before (SYNC, and what ACK counts).
    static func addressedStretches(to user: UserID, _ db: Database) throws -> [Stretch] {
        try [Stretch(stream: .direct(user), after: 0, through: nil)]
            + stretches("SELECT groupID, joinedAfter, NULL FROM groupCursor WHERE userID = ?", of: user, db)
            + stretches("SELECT groupID, afterID, throughID FROM pastMembership WHERE userID = ?", of: user, db)
    }

    /// Rows of (group or 0 for 1:1, after, through or NULL) for one user.
    private static func stretches(_ sql: String, of user: UserID, _ db: Database) throws -> [Stretch] {
        try Row.fetchAll(db.cachedStatement(sql: sql), arguments: [user]).map {
            Stretch(stream: .fromBacklog(key: $0[0], user: user), after: $0[1], through: $0[2])
        }
    }

    /// The oldest `limit` messages of each stretch owed to the user with an
    /// id above `after`, merged oldest first, without repeats, at most `limit`.
    static func messages(in stretches: [Stretch], to user: UserID, after: MessageID, limit: Int, _ db: Database)
        throws -> [MessageRecord]
    {
        var found: [MessageRecord] = []
        for stretch in stretches {
            let from = max(stretch.after, after)
            let through = stretch.through ?? .max
            guard through > from else { continue }
            found += try stretch.stream.messages(after: from, through: through, owedTo: user, limit: limit, db)
        }
        return found.oldestFirst(limit: limit)
    }

    /// After PULL returned every owed message up to `last`: the cursors and
    /// backlog ranges move past it.
    static func markTaken(by user: UserID, through last: MessageID, _ db: Database) throws {
        for sql in [
            "UPDATE groupCursor SET deliveredThrough = ?2 WHERE userID = ?1 AND deliveredThrough < ?2",
            """
            INSERT INTO directCursor (userID, deliveredThrough) VALUES (?1, ?2)
            ON CONFLICT (userID) DO UPDATE SET deliveredThrough = MAX(deliveredThrough, excluded.deliveredThrough)
            """,
            "DELETE FROM deliveryBacklog WHERE userID = ?1 AND throughID <= ?2",
            // What is left of a range that `last` falls inside.
            "UPDATE deliveryBacklog SET afterID = ?2 WHERE userID = ?1 AND afterID < ?2",
        ] {
            try db.execute(sql: sql, arguments: [user, last])
        }
    }
}

/// The ids and senders of a stream's messages in [from, through], oldest first.
struct StreamSpan {
    private let stream: DeliveryStream
    private let from: MessageID
    private let messages: [(id: MessageID, sender: UserID)]

    init(stream: DeliveryStream, from: MessageID, through: MessageID, _ db: Database) throws {
        self.stream = stream
        self.from = from
        messages = try stream.messageIDs(from: from, through: through, db)
    }

    /// The newest message in (after, before) owed to `user`; from memory when
    /// the interval lies inside this span, else from the database.
    func lastOwed(to user: UserID, after: MessageID, before: MessageID, _ db: Database) throws -> MessageID? {
        guard after + 1 >= from else {
            return try stream.lastOwed(to: user, after: after, before: before, db)
        }
        // Walk back from the first message at or after `before` (binary search).
        var low = 0
        var high = messages.count
        while low < high {
            let middle = (low + high) / 2
            if messages[middle].id < before { low = middle + 1 } else { high = middle }
        }
        var index = low - 1
        while index >= 0, messages[index].id > after {
            if stream.owes(from: messages[index].sender, to: user) { return messages[index].id }
            index -= 1
        }
        return nil
    }
}
