import GRDB
import MPIMCore
import Messaging
import Storage

/// Which days each pair of users exchanged 1:1 messages, so HISTORY reads
/// those days' stretches of the recipient index instead of keeping a
/// conversation index entry per message.
///
/// Every index a message writes costs the commit a page of the write-ahead
/// log, and that page is written to disk later: at 10 000 msg/s the
/// conversation index was about a third of the bytes written and of the
/// SEND → `+OK` p99 (Docs/BENCHMARKS.md). A pair that talks gets one row per
/// day instead; later messages of the day only look it up.
///
/// Days are stretches of message ids: `conversationDay` holds the first id of
/// each day (the earliest day starts at id 0), and a message belongs to the
/// latest day whose first id is not above its own. A message's day is its
/// UTC calendar day, or the newest day already started if the clock went
/// back, so days and ids rise together.
enum ConversationDays {
    static let millisecondsPerDay: Int64 = 86_400_000

    /// Records the day of each 1:1 message of one write transaction; made
    /// per transaction, as it reads the newest day once, at its first message.
    /// (It runs for every message: statements go through SQLite's C API.)
    struct Recorder {
        /// nil until read; then nil inside when there is no day yet.
        private var newest: (day: Int64, firstMessageID: MessageID)??
        private var recorded: Set<PairDay> = []

        init() {}

        /// Records that `sender` and `recipient` talked on the day of
        /// `message`, stored at `createdAt`: a new day if the message is the
        /// first since midnight, a new row if it is the pair's first that day.
        mutating func record(_ message: MessageID, from sender: UserID, to recipient: UserID,
                             at createdAt: UnixMillis, _ db: Database) throws {
            let clockDay = createdAt / millisecondsPerDay
            let newest = try newest ?? db.cachedStatement(
                sql: "SELECT day, firstMessageID FROM conversationDay ORDER BY day DESC LIMIT 1"
            ).integerPairs(in: db).first.map { (day: $0.0, firstMessageID: $0.1) }
            self.newest = newest
            let day: Int64
            if let newest, newest.day >= clockDay {
                day = newest.day
            } else {
                day = clockDay
                // The first day starts at 0: it also holds any older message.
                let first = newest == nil ? 0 : message
                try db.cachedStatement(sql: "INSERT INTO conversationDay (day, firstMessageID) VALUES (?, ?)")
                    .execute(.integer(day), .integer(first), in: db)
                self.newest = (day, first)
            }
            let pair = PairDay(low: min(sender, recipient), high: max(sender, recipient), day: day)
            guard recorded.insert(pair).inserted else { return }
            // Usually there already: a look-up, and no page written.
            try db.cachedStatement(
                sql: "INSERT OR IGNORE INTO conversationPair (lowUserID, highUserID, day) VALUES (?, ?, ?)"
            ).execute(.integer(pair.low), .integer(pair.high), .integer(pair.day), in: db)
        }
    }

    private struct PairDay: Hashable {
        var low: UserID
        var high: UserID
        var day: Int64
    }

    /// The 1:1 messages between two users in both directions: the `limit`
    /// latest with an id below `before` (if given), newest first.
    static func messages(between user: UserID, and peer: UserID, before: MessageID?, limit: Int, _ db: Database)
        throws -> [MessageRecord]
    {
        let below = before ?? .max
        let directions = user == peer ? [(user, peer)] : [(user, peer), (peer, user)]
        let sent = try db.cachedStatement(sql: """
            SELECT \(MessageRecord.selection) FROM message
            WHERE recipientID = ? AND senderID = ? AND id >= ? AND id < ?
            ORDER BY id DESC LIMIT ?
            """)
        var newestFirst: [MessageRecord] = []
        // The days the pair talked, newest first, each with where it ends.
        try db.cachedStatement(sql: """
            SELECT d.firstMessageID,
                   (SELECT n.firstMessageID FROM conversationDay n WHERE n.day > d.day ORDER BY n.day LIMIT 1)
            FROM conversationPair p JOIN conversationDay d ON d.day = p.day
            WHERE p.lowUserID = ? AND p.highUserID = ? AND d.firstMessageID < ?
            ORDER BY p.day DESC
            """
        ).forEachRow(min(user, peer), max(user, peer), below, in: db) { day in
            let first = day.integer(0)
            let end = min(day.optionalInteger(1) ?? .max, below)
            let wanted = limit - newestFirst.count
            var found: [MessageRecord] = []
            for (sender, recipient) in directions {
                found += try sent.rows(recipient, sender, first, end, Int64(wanted), in: db, MessageRecord.init(columns:))
            }
            newestFirst += found.sorted { $0.id! > $1.id! }.prefix(wanted)
            return newestFirst.count < limit
        }
        return newestFirst
    }
}
