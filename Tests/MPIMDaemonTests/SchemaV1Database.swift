import GRDB
import MPIMDaemon
import Storage

/// A database file at schema v1 holding data of every kind the store keeps,
/// for the test each later migration comes with: open it with the current
/// schema (which runs the migrations after v1) and read the data back
/// through the stores (`expectSchemaV1DataReadsBack`).
///
/// The rows are SQL against the v1 tables, never store calls: those write
/// the current schema, and this file must stay what a v1 daemon wrote.
/// So it never changes when the schema does; a migration that gives rows new
/// meaning checks that meaning on these rows.
enum SchemaV1Database {
    /// The UTC day every message here was sent on (2024-10-04).
    static let day: Int64 = 20_000
    /// When the first row was written; the others follow a minute apart.
    static let start: Int64 = day * 86_400_000 + 36_000_000

    /// Users ann 1, bob 2, cat 3, dan 4; ann is friends with bob and cat.
    /// Group 1 "team" (creator ann): ann, bob and cat; dan joined after
    /// message 3 and left after message 6.
    ///
    /// Messages, and where each stands for its recipients:
    /// 1 ann→bob, pushed (bob's 1:1 cursor passed it);
    /// 2 ann→bob, missed while offline (a backlog range of bob's 1:1 messages);
    /// 3 cat→bob, pushed;
    /// 4 ann→team: pushed to bob; pushed to cat in ack mode, not acknowledged;
    ///   missed by dan (his backlog range, kept when he left);
    /// 5 ann→bob, pushed in ack mode, not acknowledged;
    /// 6 bob→team: pushed to ann in ack mode and acknowledged; owed to cat
    ///   (past her cursor); missed by dan;
    /// 7 bob→ann with client id "c-7": owed to ann (she has no 1:1 cursor row);
    /// 8 cat→team, after dan left: owed to ann and bob; not addressed to dan.
    static let rows = """
        INSERT INTO user (id, name, passwordHash, createdAt) VALUES
            (1, 'ann', 'hash-ann', \(start)), (2, 'bob', 'hash-bob', \(start)),
            (3, 'cat', 'hash-cat', \(start)), (4, 'dan', 'hash-dan', \(start));
        INSERT INTO friendship (userID, friendID, createdAt) VALUES
            (1, 2, \(start)), (2, 1, \(start)), (1, 3, \(start)), (3, 1, \(start));
        INSERT INTO chatGroup (id, name, description, creatorID, createdAt) VALUES (1, 'team', 'the team', 1, \(start));

        INSERT INTO message (id, senderID, recipientID, groupID, text, createdAt) VALUES
            (1, 1, 2, NULL, 'hello bob', \(at(1))),
            (2, 1, 2, NULL, 'are you there', \(at(2))),
            (3, 3, 2, NULL, 'from cat', \(at(3))),
            (4, 1, NULL, 1, 'team hi', \(at(4))),
            (5, 1, 2, NULL, 'ack me', \(at(5))),
            (6, 2, NULL, 1, 'bob to the team', \(at(6))),
            (7, 2, 1, NULL, 'reply', \(at(7))),
            (8, 3, NULL, 1, 'after dan left', \(at(8)));
        INSERT INTO conversationDay (day, firstMessageID) VALUES (\(day), 0);
        INSERT INTO conversationPair (lowUserID, highUserID, day) VALUES (1, 2, \(day)), (2, 3, \(day));
        INSERT INTO clientMessage (senderID, clientID, messageID, createdAt) VALUES (2, 'c-7', 7, \(at(7)));

        INSERT INTO groupMember (groupID, userID, joinedAt, joinedAfter, deliveredThrough) VALUES
            (1, 1, \(start), 0, 6), (1, 2, \(start), 0, 4), (1, 3, \(start), 0, 4);
        INSERT INTO pastMembership (userID, groupID, afterID, throughID) VALUES (4, 1, 3, 6);
        INSERT INTO directCursor (userID, deliveredThrough) VALUES (2, 5);
        INSERT INTO deliveryBacklog (userID, groupID, afterID, throughID) VALUES (2, 0, 1, 2), (4, 1, 3, 6);
        INSERT INTO mailbox (userID, messageID, state) VALUES (2, 5, 1), (3, 4, 1), (1, 6, 2);

        INSERT INTO healthProbe (id, checkedAt) VALUES (1, \(at(8)));
        """

    /// When message `id` was stored.
    static func at(_ id: Int64) -> Int64 {
        start + id * 60_000
    }

    /// Creates the file at `path` (its folder must exist) with the v1 schema
    /// only, and the rows above.
    static func create(at path: String) throws {
        try DatabaseSchema.mpim.migrate(fileAt: path, upTo: "v1")
        let queue = try DatabaseQueue(path: path)
        try queue.write { try $0.execute(sql: rows) }
        try queue.close()
    }
}
