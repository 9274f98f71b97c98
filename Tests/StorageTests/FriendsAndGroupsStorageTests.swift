import MPIMCore
import Testing
@testable import Storage

@Suite("AppDatabase: friends and groups")
struct FriendsAndGroupsStorageTests {
    @Test("friendship is stored both ways, idempotent, and removed both ways")
    func friendships() async throws {
        let (db, _) = try temporaryDatabase()
        try await db.addFriendship(1, 2)
        try await db.addFriendship(1, 2)
        try await db.addFriendship(3, 1)
        #expect(try await db.friends(of: 1) == [2, 3])
        #expect(try await db.friends(of: 2) == [1])
        try await db.removeFriendship(2, 1)
        #expect(try await db.friends(of: 1) == [3])
        #expect(try await db.friends(of: 2) == [])
    }

    @Test("a group starts with its creator; joins are idempotent; leaving reports membership")
    func membership() async throws {
        let (db, _) = try temporaryDatabase()
        let group = try await db.createGroup(name: "team", description: "the core team", creator: 5)
        #expect(try await db.group(group.id)?.description == "the core team")
        #expect(try await db.members(of: group.id) == [5])
        try await db.addMember(9, to: group.id)
        try await db.addMember(9, to: group.id)
        try await db.addMember(7, to: group.id)
        #expect(try await db.members(of: group.id) == [5, 7, 9])
        #expect(try await db.groups(of: 9) == [group.id])
        #expect(try await db.removeMember(9, from: group.id))
        #expect(try await !db.removeMember(9, from: group.id))
        await #expect(throws: MPIMError.noSuchGroup) { try await db.addMember(1, to: group.id + 100) }
        #expect(try await db.group(group.id + 100) == nil)
    }

    @Test("a group message is stored once, queued for every other member, and pulled with 1:1 messages in id order")
    func groupMessages() async throws {
        let (db, _) = try await databaseWithUsers()
        let group = try await db.createGroup(name: "g", description: "", creator: 1)
        try await db.addMember(2, to: group.id)
        try await db.addMember(3, to: group.id)
        let stored = try await db.storedMessages([
            OutgoingMessage(sender: 3, recipient: 2, text: "direct before"),
            OutgoingMessage(sender: 1, conversation: .group(group.id), text: "to all"),
            OutgoingMessage(sender: 3, recipient: 2, text: "direct after"),
        ])
        #expect(stored[1].recipients == [2, 3])
        #expect(stored[1].message.conversation == .group(group.id))
        let pulled = try await db.takeInbox(of: 2, limit: 10)
        #expect(pulled.map(\.text) == ["direct before", "to all", "direct after"])
        #expect(try await db.takeInbox(of: 1, limit: 10).isEmpty, "the sender has nothing queued")
        #expect(try await db.groupConversation(group.id, before: nil, limit: 10).map(\.text) == ["to all"])
        _ = try await db.removeMember(3, from: group.id)
        let later = try await db.storedMessages([OutgoingMessage(sender: 1, conversation: .group(group.id), text: "x")])
        #expect(later[0].recipients == [2], "a member who left gets nothing later")
    }
}
