import Foundation
import MPIMCore
import Testing
import Messaging
@testable import MessagingSQLite
import Storage
import TestSupport

@Suite("Message store")
struct MessageStoreTests {
    @Test("stored messages get increasing ids and wait in the inbox until taken once", arguments: StoreBackend.allCases)
    func inbox(_ backend: StoreBackend) async throws {
        let (db, _) = try await temporaryStore(backend)
        let stored = try await db.storedMessages((0..<5).map { OutgoingMessage(sender: 1, recipient: 2, text: "m\($0)") })
        #expect(stored.map(\.message.id) == stored.map(\.message.id).sorted())
        #expect(Set(stored.map(\.message.id)).count == 5)
        let firstChunk = try await db.takeInbox(of: 2, limit: 3)
        #expect(firstChunk.map(\.text) == ["m0", "m1", "m2"])
        let rest = try await db.takeInbox(of: 2, limit: 3)
        #expect(rest.map(\.text) == ["m3", "m4"])
        #expect(try await db.takeInbox(of: 2, limit: 3).isEmpty)
    }

    @Test("a pushed message is no longer in the inbox", arguments: StoreBackend.allCases)
    func pushedLeavesInbox(_ backend: StoreBackend) async throws {
        let (db, _) = try await temporaryStore(backend)
        let stored = try await db.storedMessages([
            OutgoingMessage(sender: 1, recipient: 2, text: "pushed"),
            OutgoingMessage(sender: 1, recipient: 2, text: "offline"),
        ])
        try await db.record([MailboxReceipt(user: 2, message: stored[0].message.id, state: .delivered)])
        #expect(try await db.takeInbox(of: 2, limit: 10).map(\.text) == ["offline"])
    }

    @Test("msg ids keep increasing after the database is reopened", arguments: StoreBackend.allCases)
    func idsSurviveReopen(_ backend: StoreBackend) async throws {
        let (db, reopen) = try await temporaryStore(backend)
        let before = try await db.storedMessages([OutgoingMessage(sender: 1, recipient: 2, text: "a")])
        let reopened = try await reopen()
        let after = try await reopened.storedMessages([OutgoingMessage(sender: 1, recipient: 2, text: "b")])
        #expect(after[0].message.id > before[0].message.id)
        #expect(try await reopened.takeInbox(of: 2, limit: 10).map(\.text) == ["a", "b"])
    }

    @Test("a conversation reads both directions, newest page first, oldest first within it", arguments: StoreBackend.allCases)
    func conversation(_ backend: StoreBackend) async throws {
        let (db, _) = try await temporaryStore(backend)
        var outgoing: [OutgoingMessage] = []
        for i in 0..<3 {
            outgoing.append(OutgoingMessage(sender: 1, recipient: 2, text: "a\(i)"))
            outgoing.append(OutgoingMessage(sender: 2, recipient: 1, text: "b\(i)"))
            outgoing.append(OutgoingMessage(sender: 1, recipient: 3, text: "other\(i)"))
        }
        let stored = try await db.storedMessages(outgoing)
        let all = try await db.conversation(between: 1, and: 2, before: nil, limit: 50)
        #expect(all.map(\.text) == ["a0", "b0", "a1", "b1", "a2", "b2"])
        let lastTwo = try await db.conversation(between: 2, and: 1, before: nil, limit: 2)
        #expect(lastTwo.map(\.text) == ["a2", "b2"])
        let beforeA2 = try await db.conversation(between: 1, and: 2, before: stored[6].message.id, limit: 2)
        #expect(beforeA2.map(\.text) == ["a1", "b1"])
    }

    @Test("a group's history pages from the newest, oldest first within a page, and only that group's", arguments: StoreBackend.allCases)
    func groupConversation(_ backend: StoreBackend) async throws {
        let (db, _) = try await temporaryStore(backend)
        let group = try await db.startGroup(1, members: [1, 2])
        let other = try await db.startGroup(2, members: [1])
        var outgoing: [OutgoingMessage] = []
        for i in 0..<4 {
            outgoing.append(OutgoingMessage(sender: 1 + Int64(i % 2), conversation: .group(group), text: "g\(i)"))
            outgoing.append(OutgoingMessage(sender: 1, conversation: .group(other), text: "other\(i)"))
            outgoing.append(OutgoingMessage(sender: 1, recipient: 2, text: "direct\(i)"))
        }
        let stored = try await db.storedMessages(outgoing)
        #expect(try await db.groupConversation(group, before: nil, limit: 50).map(\.text) == ["g0", "g1", "g2", "g3"])
        #expect(try await db.groupConversation(group, before: nil, limit: 2).map(\.text) == ["g2", "g3"])
        let beforeG2 = try await db.groupConversation(group, before: stored[6].message.id, limit: 10)
        #expect(beforeG2.map(\.text) == ["g0", "g1"])
        #expect(beforeG2.map(\.sender) == [1, 2])
        #expect(beforeG2.allSatisfy { $0.conversation == .group(group) })
    }

    @Test("ack mode: a message pushed awaiting an ack is pulled and re-pushed until acknowledged", arguments: StoreBackend.allCases)
    func awaitingAck(_ backend: StoreBackend) async throws {
        let (db, _) = try await temporaryStore(backend)
        let stored = try await db.storedMessages((0..<3).map { OutgoingMessage(sender: 1, recipient: 2, text: "m\($0)") })
        let ids = stored.map(\.message.id)
        try await db.record(ids[0...1].map { MailboxReceipt(user: 2, message: $0, state: .awaitingAck) })
        #expect(try await db.awaitingAck(of: 2, limit: 10).map(\.id) == [ids[0], ids[1]])
        #expect(try await db.acknowledge([ids[0], 999_999], of: 2) == 1, "only the user's own ids count")
        #expect(try await db.awaitingAck(of: 2, limit: 10).map(\.id) == [ids[1]])
        try await db.record([MailboxReceipt(user: 2, message: ids[0], state: .awaitingAck)])
        #expect(try await db.awaitingAck(of: 2, limit: 10).map(\.id) == [ids[1]], "states never move back")
        #expect(try await db.takeInbox(of: 2, limit: 10).map(\.id) == [ids[1], ids[2]])
        #expect(try await db.awaitingAck(of: 2, limit: 10).isEmpty)
    }

    @Test("a repeated client id returns the original message and stores nothing", arguments: StoreBackend.allCases)
    func clientIDs(_ backend: StoreBackend) async throws {
        let (db, _) = try await temporaryStore(backend)
        let first = try await db.storedMessages([OutgoingMessage(sender: 1, recipient: 2, text: "x", clientID: "c1")])
        let again = try await db.storedMessages([
            OutgoingMessage(sender: 1, recipient: 2, text: "x", clientID: "c1"),
            OutgoingMessage(sender: 3, recipient: 2, text: "y", clientID: "c1"),
        ])
        #expect(again[0].isRepeat && again[0].message == first[0].message)
        #expect(!again[1].isRepeat, "client ids are per sender")
        #expect(try await db.takeInbox(of: 2, limit: 10).map(\.text) == ["x", "y"])
        #expect(try await db.forgetClientIDs(before: .now() + 1000) == 2)
        let afterForgetting = try await db.storedMessages([OutgoingMessage(sender: 1, recipient: 2, text: "x", clientID: "c1")])
        #expect(!afterForgetting[0].isRepeat)
    }

    @Test("the mailbox keeps every message addressed to a user for SYNC, whatever was delivered", arguments: StoreBackend.allCases)
    func sync(_ backend: StoreBackend) async throws {
        let (db, _) = try await temporaryStore(backend)
        let stored = try await db.storedMessages((0..<4).map { OutgoingMessage(sender: 1, recipient: 2, text: "m\($0)") })
        _ = try await db.takeInbox(of: 2, limit: 2)
        let ids = stored.map(\.message.id)
        #expect(try await db.mailbox(of: 2, after: 0, limit: 10).map(\.id) == ids)
        #expect(try await db.mailbox(of: 2, after: ids[1], limit: 1).map(\.id) == [ids[2]])
        #expect(try await db.mailbox(of: 1, after: 0, limit: 10).isEmpty, "a sender's own 1:1 messages are not addressed to it")
    }

    @Test("each message of a batch is checked on its own: a refusal stores nothing, the rest commit with the receipts", arguments: StoreBackend.allCases)
    func refusalsAndReceipts(_ backend: StoreBackend) async throws {
        let (db, _) = try await temporaryStore(backend)
        let group = try await db.startGroup(members: [1])
        let first = try await db.storedMessages([OutgoingMessage(sender: 1, recipient: 2, text: "earlier")])
        let outcomes = try await db.storeMessages(
            [
                OutgoingMessage(sender: 1, recipient: 2, text: "kept"),
                OutgoingMessage(sender: 2, conversation: .group(group), text: "not a member"),
                OutgoingMessage(sender: 1, conversation: .group(group), text: "to the group"),
            ],
            receipts: [MailboxReceipt(user: 2, message: first[0].message.id, state: .delivered)])
        #expect(try outcomes[0].get().message.text == "kept")
        #expect(throws: MPIMError.notMember) { try outcomes[1].get() }
        #expect(try outcomes[2].get().recipients == [])
        #expect(try await db.takeInbox(of: 2, limit: 10).map(\.text) == ["kept"], "the receipt marked the earlier one delivered")
        #expect(try await db.groupConversation(group, before: nil, limit: 10).map(\.text) == ["to the group"])
    }

    @Test("a group's recipients are the memberships the store was told of, from when each started", arguments: StoreBackend.allCases)
    func memberships(_ backend: StoreBackend) async throws {
        let (db, _) = try await temporaryStore(backend)
        let group = try await db.startGroup(members: [1, 2])
        let first = try await db.storedMessages([OutgoingMessage(sender: 1, conversation: .group(group), text: "a")])
        try await db.startMembership(of: 3, in: group)
        try await db.startMembership(of: 3, in: group)
        let second = try await db.storedMessages([OutgoingMessage(sender: 1, conversation: .group(group), text: "b")])
        #expect(first[0].recipients == [2] && second[0].recipients == [2, 3])
        #expect(try await db.mailbox(of: 3, after: 0, limit: 10).map(\.text) == ["b"], "joining twice keeps the first start")
        try await db.endMembership(of: 2, in: group)
        try await db.endMembership(of: 2, in: group)
        try await db.endMembership(of: 9, in: group)
        let third = try await db.storedMessages([OutgoingMessage(sender: 1, conversation: .group(group), text: "c")])
        #expect(third[0].recipients == [3])
        #expect(try await db.takeInbox(of: 2, limit: 10).map(\.text) == ["a", "b"], "what was owed stays owed")
    }

    @Test("a notice gets the next id and is addressed to nobody", arguments: StoreBackend.allCases)
    func notice(_ backend: StoreBackend) async throws {
        let (db, _) = try await temporaryStore(backend)
        let message = try await db.storedMessages([OutgoingMessage(sender: 1, recipient: 2, text: "m")])[0].message
        let notice = try await db.storeNotice("maintenance at noon")
        #expect(notice.id > message.id && notice.sender == 0 && notice.text == "maintenance at noon")
        #expect(try await db.takeInbox(of: 2, limit: 10).map(\.id) == [message.id])
    }
}
