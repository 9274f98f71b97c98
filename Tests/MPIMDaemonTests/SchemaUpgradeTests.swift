import GRDB
import Groups
import GroupsSQLite
import Logging
import MPIMCore
import MPIMDaemon
import Messaging
import MessagingSQLite
import Storage
import TestSupport
import Testing
import Users
import UsersSQLite

/// Every service's store on one file with mpimd's schema.
struct Stores {
    let database: AppDatabase
    let users: SQLiteUserStore
    let groups: SQLiteGroupStore
    let messages: SQLiteMessageStore

    init(path: String) throws {
        database = try AppDatabase.open(.init(path: path), schema: .mpim)
        users = SQLiteUserStore(database: database, logger: Logger(label: "test"))
        groups = SQLiteGroupStore(database: database, logger: Logger(label: "test"))
        messages = SQLiteMessageStore(database: database, logger: Logger(label: "test"))
    }
}

extension SQLiteMessageStore {
    /// Stores the batch off the test's task (it blocks its thread) and expects every message to be accepted.
    func storedMessages(_ batch: [OutgoingMessage]) async throws -> [StoredMessage] {
        try await Task.detached { try self.store(batch, receipts: []) }.value.map { try $0.get() }
    }
}

/// Checks, through the stores, that a database made from
/// `SchemaV1Database` holds what a v1 daemon stored: accounts, friends,
/// groups, HISTORY, SYNC, what awaits an ack, client ids, ACK and PULL, and
/// that new messages and members go on from there. PULL and ACK change the
/// data, so they come last. A migration's test calls this after upgrading,
/// then checks what the migration itself changed.
func expectSchemaV1DataReadsBack(_ stores: Stores) async throws {
    let start = SchemaV1Database.start
    let users = stores.users, groups = stores.groups, db = stores.messages
    #expect(try await users.user(named: "bob") == StoredUser(id: 2, name: "bob", passwordHash: "hash-bob", createdAt: start))
    #expect(try await users.userExists(4))
    await #expect(throws: MPIMError.userExists) { _ = try await users.insertUser(name: "ann", passwordHash: "h") }
    #expect(try await users.friends(of: 1) == [2, 3])
    #expect(try await users.friends(of: 3) == [1])
    #expect(try await groups.group(1) == GroupInfo(id: 1, name: "team", description: "the team", creator: 1, createdAt: start))
    #expect(try await groups.members(of: 1) == [1, 2, 3])
    #expect(try await groups.groups(of: 4) == [], "dan left")

    #expect(try await db.conversation(between: 2, and: 1, before: nil, limit: 10).map(\.id) == [1, 2, 5, 7])
    #expect(try await db.conversation(between: 1, and: 2, before: 5, limit: 1).map(\.text) == ["are you there"])
    #expect(try await db.conversation(between: 3, and: 2, before: nil, limit: 10).map(\.id) == [3])
    #expect(try await db.conversation(between: 1, and: 3, before: nil, limit: 10).isEmpty)
    let team = try await db.groupConversation(1, before: nil, limit: 10)
    #expect(team.map(\.id) == [4, 6, 8])
    #expect(team.first == ChatMessage(
        id: 4, sender: 1, conversation: .group(1), text: "team hi", timestamp: SchemaV1Database.at(4)))

    // SYNC: whatever was delivered; never a sender's own group message; dan's time in the group.
    #expect(try await db.mailbox(of: 1, after: 0, limit: 10).map(\.id) == [6, 7, 8])
    #expect(try await db.mailbox(of: 2, after: 0, limit: 10).map(\.id) == [1, 2, 3, 4, 5, 8])
    #expect(try await db.mailbox(of: 2, after: 3, limit: 2).map(\.id) == [4, 5])
    #expect(try await db.mailbox(of: 3, after: 0, limit: 10).map(\.id) == [4, 6])
    #expect(try await db.mailbox(of: 4, after: 0, limit: 10).map(\.id) == [4, 6])
    #expect(try await db.awaitingAck(of: 2, limit: 10).map(\.id) == [5])
    #expect(try await db.awaitingAck(of: 3, limit: 10).map(\.id) == [4])
    #expect(try await db.awaitingAck(of: 1, limit: 10).isEmpty, "acknowledged")

    let repeated = try await db.storedMessages([OutgoingMessage(sender: 2, recipient: 1, text: "again", clientID: "c-7")])
    #expect(repeated[0].isRepeat && repeated[0].message.id == 7 && repeated[0].message.text == "reply")

    #expect(try await db.acknowledge([5, 7], of: 2) == 1, "7 is bob's own")
    #expect(try await db.awaitingAck(of: 2, limit: 10).isEmpty)
    #expect(try await db.takeInbox(of: 1, limit: 10).map(\.id) == [7, 8])
    #expect(try await db.takeInbox(of: 2, limit: 10).map(\.id) == [2, 8])
    #expect(try await db.takeInbox(of: 3, limit: 1).map(\.id) == [4])
    #expect(try await db.takeInbox(of: 3, limit: 10).map(\.id) == [6])
    #expect(try await db.awaitingAck(of: 3, limit: 10).isEmpty, "pulled")
    #expect(try await db.takeInbox(of: 4, limit: 10).map(\.id) == [4, 6])
    for user in UserID(1)...4 {
        #expect(try await db.takeInbox(of: user, limit: 10).isEmpty, "user \(user): each message is pulled once")
    }

    let eve = try await users.insertUser(name: "eve", passwordHash: "h")
    #expect(eve.id == 5)
    let later = try await db.storedMessages([
        OutgoingMessage(sender: 1, recipient: 2, text: "later"),
        OutgoingMessage(sender: 3, conversation: .group(1), text: "later to the team"),
    ])
    #expect(later.map(\.message.id) == [9, 10])
    #expect(later[1].recipients == [1, 2])
    #expect(try await db.takeInbox(of: 2, limit: 10).map(\.id) == [9, 10])
    #expect(try await db.conversation(between: 1, and: 2, before: nil, limit: 2).map(\.id) == [7, 9])
    #expect(try await db.forgetClientIDs(before: SchemaV1Database.at(8)) == 1)
    #expect(await stores.database.isWritable())
}

@Suite("Schema upgrades")
struct SchemaUpgradeTests {
    @Test("a v1 database holding data reads back through the current schema")
    func fromV1() async throws {
        let path = try createdScratchDatabasePath()
        try SchemaV1Database.create(at: path)
        try await expectSchemaV1DataReadsBack(Stores(path: path))
    }

    @Test("v2: the group cursors move from Groups' groupMember to Messaging's groupCursor, row for row")
    func groupCursorsMove() async throws {
        let path = try createdScratchDatabasePath()
        try SchemaV1Database.create(at: path)
        let stores = try Stores(path: path)
        let (memberColumns, cursors) = try await stores.database.writer.read { db in
            (try db.columns(in: "groupMember").map(\.name),
             try Row.fetchAll(db, sql: "SELECT groupID, userID, joinedAfter, deliveredThrough FROM groupCursor ORDER BY userID")
                .map { [$0[0], $0[1], $0[2], $0[3]] as [Int64] })
        }
        #expect(memberColumns == ["groupID", "userID", "joinedAt"])
        #expect(cursors == [[1, 1, 0, 6], [1, 2, 0, 4], [1, 3, 0, 4]])
        // A member who joins after the upgrade starts at the newest message.
        try await stores.messages.startMembership(of: 4, in: 1)
        let later = try await stores.messages.storedMessages([OutgoingMessage(sender: 4, conversation: .group(1), text: "back")])
        #expect(later[0].recipients == [1, 2, 3])
        #expect(try await stores.messages.mailbox(of: 4, after: 6, limit: 10).isEmpty,
                "8 came while dan was away; his own message is not addressed to him")
    }
}
