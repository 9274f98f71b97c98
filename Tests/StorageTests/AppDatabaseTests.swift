import Foundation
import MPIMCore
import Testing
@testable import Storage

/// A real SQLite file in a fresh temporary folder.
func temporaryDatabase() throws -> (AppDatabase, path: String) {
    let path = scratchDatabasePath()
    return (try AppDatabase.open(.init(path: path)), path)
}

@Suite("AppDatabase")
struct AppDatabaseTests {
    @Test("a taken username is refused with userExists")
    func uniqueNames() async throws {
        let (db, _) = try temporaryDatabase()
        let alice = try await db.insertUser(name: "alice", passwordHash: "h")
        #expect(alice.id != nil)
        await #expect(throws: MPIMError.userExists) {
            _ = try await db.insertUser(name: "alice", passwordHash: "other")
        }
        #expect(try await db.user(named: "alice")?.id == alice.id)
        #expect(try await db.userExists(alice.id!))
        #expect(try await !db.userExists(alice.id! + 1000))
    }

    @Test("stored messages get increasing ids and wait in the inbox until taken once")
    func inbox() async throws {
        let (db, _) = try temporaryDatabase()
        let stored = try await db.storeMessages((0..<5).map { OutgoingMessage(sender: 1, recipient: 2, text: "m\($0)") })
        #expect(stored.map(\.message.id) == stored.map(\.message.id).sorted())
        #expect(Set(stored.map(\.message.id)).count == 5)
        let firstChunk = try await db.takeInbox(of: 2, limit: 3)
        #expect(firstChunk.map(\.text) == ["m0", "m1", "m2"])
        let rest = try await db.takeInbox(of: 2, limit: 3)
        #expect(rest.map(\.text) == ["m3", "m4"])
        #expect(try await db.takeInbox(of: 2, limit: 3).isEmpty)
    }

    @Test("a pushed message is no longer in the inbox")
    func pushedLeavesInbox() async throws {
        let (db, _) = try temporaryDatabase()
        let stored = try await db.storeMessages([
            OutgoingMessage(sender: 1, recipient: 2, text: "pushed"),
            OutgoingMessage(sender: 1, recipient: 2, text: "offline"),
        ])
        try await db.advance([(user: 2, message: stored[0].message.id)], to: .delivered)
        #expect(try await db.takeInbox(of: 2, limit: 10).map(\.text) == ["offline"])
    }

    @Test("msg ids keep increasing after the file is reopened")
    func idsSurviveReopen() async throws {
        let (db, path) = try temporaryDatabase()
        let before = try await db.storeMessages([OutgoingMessage(sender: 1, recipient: 2, text: "a")])
        let reopened = try AppDatabase.open(.init(path: path))
        let after = try await reopened.storeMessages([OutgoingMessage(sender: 1, recipient: 2, text: "b")])
        #expect(after[0].message.id > before[0].message.id)
        #expect(try await reopened.takeInbox(of: 2, limit: 10).map(\.text) == ["a", "b"])
    }

    @Test("a conversation reads both directions, newest page first, oldest first within it")
    func conversation() async throws {
        let (db, _) = try temporaryDatabase()
        var outgoing: [OutgoingMessage] = []
        for i in 0..<3 {
            outgoing.append(OutgoingMessage(sender: 1, recipient: 2, text: "a\(i)"))
            outgoing.append(OutgoingMessage(sender: 2, recipient: 1, text: "b\(i)"))
            outgoing.append(OutgoingMessage(sender: 1, recipient: 3, text: "other\(i)"))
        }
        let stored = try await db.storeMessages(outgoing)
        let all = try await db.conversation(between: 1, and: 2, before: nil, limit: 50)
        #expect(all.map(\.text) == ["a0", "b0", "a1", "b1", "a2", "b2"])
        let lastTwo = try await db.conversation(between: 2, and: 1, before: nil, limit: 2)
        #expect(lastTwo.map(\.text) == ["a2", "b2"])
        let beforeA2 = try await db.conversation(between: 1, and: 2, before: stored[6].message.id, limit: 2)
        #expect(beforeA2.map(\.text) == ["a1", "b1"])
    }

    @Test("ack mode: a message pushed awaiting an ack is pulled and re-pushed until acknowledged")
    func awaitingAck() async throws {
        let (db, _) = try temporaryDatabase()
        let stored = try await db.storeMessages((0..<3).map { OutgoingMessage(sender: 1, recipient: 2, text: "m\($0)") })
        let ids = stored.map(\.message.id)
        try await db.advance([(2, ids[0]), (2, ids[1])], to: .awaitingAck)
        #expect(try await db.awaitingAck(of: 2, limit: 10).map(\.id) == [ids[0], ids[1]])
        #expect(try await db.acknowledge([ids[0], 999_999], of: 2) == 1, "only the user's own ids count")
        #expect(try await db.awaitingAck(of: 2, limit: 10).map(\.id) == [ids[1]])
        try await db.advance([(2, ids[0])], to: .awaitingAck)
        #expect(try await db.awaitingAck(of: 2, limit: 10).map(\.id) == [ids[1]], "states never move back")
        #expect(try await db.takeInbox(of: 2, limit: 10).map(\.id) == [ids[1], ids[2]])
        #expect(try await db.awaitingAck(of: 2, limit: 10).isEmpty)
    }

    @Test("a repeated client id returns the original message and stores nothing")
    func clientIDs() async throws {
        let (db, _) = try temporaryDatabase()
        let first = try await db.storeMessages([OutgoingMessage(sender: 1, recipient: 2, text: "x", clientID: "c1")])
        let again = try await db.storeMessages([
            OutgoingMessage(sender: 1, recipient: 2, text: "x", clientID: "c1"),
            OutgoingMessage(sender: 3, recipient: 2, text: "y", clientID: "c1"),
        ])
        #expect(again[0].isRepeat && again[0].message == first[0].message)
        #expect(!again[1].isRepeat, "client ids are per sender")
        #expect(try await db.takeInbox(of: 2, limit: 10).map(\.text) == ["x", "y"])
        #expect(try await db.forgetClientIDs(before: .now() + 1000) == 2)
        let afterForgetting = try await db.storeMessages([OutgoingMessage(sender: 1, recipient: 2, text: "x", clientID: "c1")])
        #expect(!afterForgetting[0].isRepeat)
    }

    @Test("the mailbox keeps every message addressed to a user for SYNC, whatever was delivered")
    func sync() async throws {
        let (db, _) = try temporaryDatabase()
        let stored = try await db.storeMessages((0..<4).map { OutgoingMessage(sender: 1, recipient: 2, text: "m\($0)") })
        _ = try await db.takeInbox(of: 2, limit: 2)
        let ids = stored.map(\.message.id)
        #expect(try await db.mailbox(of: 2, after: 0, limit: 10).map(\.id) == ids)
        #expect(try await db.mailbox(of: 2, after: ids[1], limit: 1).map(\.id) == [ids[2]])
        #expect(try await db.mailbox(of: 1, after: 0, limit: 10).isEmpty, "a sender's own 1:1 messages are not addressed to it")
    }
}
