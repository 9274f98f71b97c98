import MPIMCore
import Testing
@testable import Storage

/// Checks, through the public API, that a database made from
/// `SchemaV1Database` holds what a v1 daemon stored: accounts, friends,
/// groups, HISTORY, SYNC, what awaits an ack, client ids, ACK and PULL, and
/// that new messages and members go on from there. PULL and ACK change the
/// data, so they come last. A migration's test calls this after upgrading,
/// then checks what the migration itself changed.
func expectSchemaV1DataReadsBack(_ db: AppDatabase) async throws {
    let start = SchemaV1Database.start
    #expect(try await db.user(named: "bob") == UserRecord(id: 2, name: "bob", passwordHash: "hash-bob", createdAt: start))
    #expect(try await db.userExists(4))
    await #expect(throws: MPIMError.userExists) { _ = try await db.insertUser(name: "ann", passwordHash: "h") }
    #expect(try await db.friends(of: 1) == [2, 3])
    #expect(try await db.friends(of: 3) == [1])
    #expect(try await db.group(1) == GroupInfo(id: 1, name: "team", description: "the team", creator: 1, createdAt: start))
    #expect(try await db.members(of: 1) == [1, 2, 3])
    #expect(try await db.groups(of: 4) == [], "dan left")

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

    let eve = try await db.insertUser(name: "eve", passwordHash: "h")
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
    #expect(await db.isWritable())
}

@Suite("Schema upgrades")
struct SchemaUpgradeTests {
    @Test("a v1 database holding data reads back through the current schema")
    func fromV1() async throws {
        let path = try createdScratchDatabasePath()
        try SchemaV1Database.create(at: path)
        try await expectSchemaV1DataReadsBack(AppDatabase.open(.init(path: path)))
    }
}
