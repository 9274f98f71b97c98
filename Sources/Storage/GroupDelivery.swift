import GRDB
import MPIMCore

/// What each member of a group is owed, kept without a row per member per
/// message: a group message is stored once, and a membership carries a
/// cursor, `deliveredThrough`. Every message of the group up to the cursor
/// reached the member, except the ranges listed in `groupBacklog` (messages
/// missed while offline, kept when the cursor moved past them); PULL owes the
/// member those ranges and everything after the cursor. A member's own
/// messages are never owed to them.
///
/// Pushes reach a member's sessions in commit order, so a receipt usually
/// just moves the cursor forward: one update per member per batch, where a
/// row per member per message cost the writer two index writes each.
///
/// A group message pushed to a session in ack mode also gets a mailbox row
/// (`awaitingAck`), like a 1:1 message, so PULL, ACK and the re-push at login
/// treat both alike.
enum GroupDelivery {
    /// The newest message id stored: a new membership starts after it.
    static func newestMessageID(_ db: Database) throws -> MessageID {
        try MessageID.fetchOne(db.cachedStatement(sql: "SELECT COALESCE(MAX(id), 0) FROM message")) ?? 0
    }

    // MARK: Receipts

    /// How far below a batch's oldest receipt the group's messages are read
    /// in one go to place members' cursors.
    static let spanReach: MessageID = 4096

    /// Records pushes of the group's messages that reached sessions of its
    /// members (or, from ACK, messages a member confirmed).
    static func record(_ receipts: [MailboxReceipt], in group: GroupID, _ db: Database) throws {
        guard let lowest = receipts.map(\.message).min(), let highest = receipts.map(\.message).max() else { return }
        // The strongest state per (member, message): two sessions of one
        // user, one in ack mode, make the message delivered.
        var states: [UserID: [MessageID: MailboxState]] = [:]
        for receipt in receipts {
            let known = states[receipt.user]?[receipt.message]
            if known == nil || known!.rawValue < receipt.state.rawValue {
                states[receipt.user, default: [:]][receipt.message] = receipt.state
            }
        }
        let cursor = try db.cachedStatement(
            sql: "SELECT deliveredThrough FROM groupMember WHERE groupID = ? AND userID = ?")
        let cursors = try states.keys.map { user in (user, try cursor.firstInteger(group, user, in: db)) }
        // The group's messages from the oldest cursor on (but not from too far
        // back: a member far behind is looked up on their own): what a member
        // missed between two messages that reached them is found here.
        let oldestCursor = cursors.compactMap { $0.1 }.filter { $0 < lowest }.min() ?? lowest
        let span = try GroupMessageIDs(
            group: group, from: max(oldestCursor + 1, lowest - Self.spanReach), through: highest, db)
        var movedCursors: [(Int64, Int64, Int64)] = []
        var awaitingAck: [(Int64, Int64, Int64)] = []
        for (user, through) in cursors {
            let messages = states[user]!
            let ids = messages.keys.sorted()
            for id in ids where through.map({ id <= $0 }) ?? true {
                try recordLate(id, state: messages[id]!, of: user, in: group, db)
            }
            guard let through, let last = ids.last, last > through else { continue }
            var previous = through
            for id in ids where id > through {
                if let missed = try span.lastOwed(to: user, after: previous, before: id, db) {
                    try addBacklog(of: user, in: group, after: previous, through: missed, db)
                }
                if messages[id] == .awaitingAck {
                    awaitingAck.append((user, id, Int64(MailboxState.awaitingAck.rawValue)))
                }
                previous = id
            }
            movedCursors.append((last, group, user))
        }
        try db.cachedStatement(sql: "UPDATE groupMember SET deliveredThrough = ? WHERE groupID = ? AND userID = ?")
            .execute(rows: movedCursors, in: db)
        try db.cachedStatement(sql: "INSERT OR IGNORE INTO mailbox (userID, messageID, state) VALUES (?, ?, ?)")
            .execute(rows: awaitingAck, in: db)
    }

    /// A receipt for a message the cursor has passed: it was pulled already,
    /// or it sits in a backlog range (taken out of it now), or it has a
    /// mailbox row awaiting an ack (moved forward).
    private static func recordLate(
        _ message: MessageID, state: MailboxState, of user: UserID, in group: GroupID, _ db: Database
    ) throws {
        try db.cachedStatement(
            sql: "UPDATE mailbox SET state = ?3 WHERE userID = ?1 AND messageID = ?2 AND state < ?3"
        ).execute(rows: [(user, message, Int64(state.rawValue))], in: db)
        let containing = try Row.fetchOne(
            db.cachedStatement(sql: """
                SELECT afterID, throughID FROM groupBacklog
                WHERE userID = ? AND groupID = ? AND afterID < ? ORDER BY afterID DESC LIMIT 1
                """),
            arguments: [user, group, message])
        guard let containing, let after: MessageID = containing[0], let through: MessageID = containing[1],
              through >= message
        else { return }
        try db.execute(
            sql: "DELETE FROM groupBacklog WHERE userID = ? AND groupID = ? AND afterID = ?",
            arguments: [user, group, after])
        if let missed = try lastOwed(to: user, in: group, after: after, before: message, db) {
            try addBacklog(of: user, in: group, after: after, through: missed, db)
        }
        if through > message {
            try addBacklog(of: user, in: group, after: message, through: through, db)
        }
        if state == .awaitingAck {
            try db.cachedStatement(sql: "INSERT OR IGNORE INTO mailbox (userID, messageID, state) VALUES (?, ?, ?)")
                .execute(rows: [(user, message, Int64(state.rawValue))], in: db)
        }
    }

    private static func addBacklog(
        of user: UserID, in group: GroupID, after: MessageID, through: MessageID, _ db: Database
    ) throws {
        try db.execute(
            sql: """
                INSERT INTO groupBacklog (userID, groupID, afterID, throughID) VALUES (?, ?, ?, ?)
                ON CONFLICT DO UPDATE SET throughID = MAX(throughID, excluded.throughID)
                """,
            arguments: [user, group, after, through])
    }

    /// The newest message of the group in (after, before) that is owed to
    /// the user (not their own), if any.
    static func lastOwed(
        to user: UserID, in group: GroupID, after: MessageID, before: MessageID, _ db: Database
    ) throws -> MessageID? {
        guard before - after > 1 else { return nil }
        return try MessageID.fetchOne(
            db.cachedStatement(sql: """
                SELECT id FROM message WHERE groupID = ? AND id > ? AND id < ? AND senderID != ?
                ORDER BY id DESC LIMIT 1
                """),
            arguments: [group, after, before, user])
    }

    // MARK: Membership

    /// A member leaves: what the group still owed them becomes a backlog
    /// range (PULL returns it), and their time in the group is kept for SYNC.
    static func endMembership(_ member: GroupMemberRecord, in db: Database) throws {
        let head = try newestMessageID(db)
        if let missed = try lastOwed(
            to: member.userID, in: member.groupID, after: member.deliveredThrough, before: head + 1, db)
        {
            try addBacklog(of: member.userID, in: member.groupID, after: member.deliveredThrough, through: missed, db)
        }
        guard head > member.joinedAfter else { return }
        try db.execute(
            sql: """
                INSERT INTO pastMembership (userID, groupID, afterID, throughID) VALUES (?, ?, ?, ?)
                ON CONFLICT DO UPDATE SET throughID = MAX(throughID, excluded.throughID)
                """,
            arguments: [member.userID, member.groupID, member.joinedAfter, head])
    }

    // MARK: Reading

    /// A stretch of one group's messages: (after, through], or everything after `after`.
    struct Stretch {
        var group: GroupID
        var after: MessageID
        var through: MessageID?
    }

    /// What PULL owes the user from groups: each membership past its cursor
    /// and each backlog range.
    static func owedStretches(to user: UserID, _ db: Database) throws -> [Stretch] {
        try stretches("SELECT groupID, deliveredThrough, NULL FROM groupMember WHERE userID = ?", of: user, db)
            + stretches("SELECT groupID, afterID, throughID FROM groupBacklog WHERE userID = ?", of: user, db)
    }

    /// The user's time in each group, now and before: SYNC and ACK count
    /// the messages of these stretches as addressed to them.
    static func memberStretches(of user: UserID, _ db: Database) throws -> [Stretch] {
        try stretches("SELECT groupID, joinedAfter, NULL FROM groupMember WHERE userID = ?", of: user, db)
            + stretches("SELECT groupID, afterID, throughID FROM pastMembership WHERE userID = ?", of: user, db)
    }

    /// Rows of (group, after, through or NULL) for one user.
    private static func stretches(_ sql: String, of user: UserID, _ db: Database) throws -> [Stretch] {
        try Row.fetchAll(db.cachedStatement(sql: sql), arguments: [user]).map {
            Stretch(group: $0[0], after: $0[1], through: $0[2])
        }
    }

    /// The oldest `limit` messages of each stretch not sent by the user and
    /// with an id above `after`, merged oldest first, without repeats, at
    /// most `limit`.
    static func messages(in stretches: [Stretch], notFrom user: UserID, after: MessageID, limit: Int, _ db: Database)
        throws -> [MessageRecord]
    {
        let statement = try db.cachedStatement(sql: """
            SELECT * FROM message WHERE groupID = ? AND id > ? AND id <= ? AND senderID != ? ORDER BY id LIMIT ?
            """)
        var found: [MessageID: MessageRecord] = [:]
        for stretch in stretches {
            let from = max(stretch.after, after)
            let through = stretch.through ?? .max
            guard through > from else { continue }
            for record in try MessageRecord.fetchAll(statement, arguments: [stretch.group, from, through, user, limit]) {
                found[record.id!] = record
            }
        }
        return found.values.sorted { $0.id! < $1.id! }.prefix(limit).map { $0 }
    }

    /// After PULL returned every owed message up to `last`: the cursors and
    /// backlog ranges move past it.
    static func markTaken(by user: UserID, through last: MessageID, _ db: Database) throws {
        for sql in [
            "UPDATE groupMember SET deliveredThrough = ?2 WHERE userID = ?1 AND deliveredThrough < ?2",
            "DELETE FROM groupBacklog WHERE userID = ?1 AND throughID <= ?2",
            // What is left of a range that `last` falls inside.
            "UPDATE groupBacklog SET afterID = ?2 WHERE userID = ?1 AND afterID < ?2",
        ] {
            try db.execute(sql: sql, arguments: [user, last])
        }
    }
}

/// The ids and senders of a group's messages in [from, through], oldest first.
struct GroupMessageIDs {
    private let group: GroupID
    private let from: MessageID
    private let messages: [(id: MessageID, sender: UserID)]

    init(group: GroupID, from: MessageID, through: MessageID, _ db: Database) throws {
        self.group = group
        self.from = from
        let rows = try Row.fetchCursor(
            db.cachedStatement(sql: "SELECT id, senderID FROM message WHERE groupID = ? AND id BETWEEN ? AND ? ORDER BY id"),
            arguments: [group, from, through])
        var messages: [(id: MessageID, sender: UserID)] = []
        while let row = try rows.next() {
            messages.append((row[0], row[1]))
        }
        self.messages = messages
    }

    /// The newest message in (after, before) owed to `user`; from memory when
    /// the interval lies inside this span, else from the database.
    func lastOwed(to user: UserID, after: MessageID, before: MessageID, _ db: Database) throws -> MessageID? {
        guard after + 1 >= from else {
            return try GroupDelivery.lastOwed(to: user, in: group, after: after, before: before, db)
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
            if messages[index].sender != user { return messages[index].id }
            index -= 1
        }
        return nil
    }
}
