import Logging
import MPIMCore
import ServiceFakes
import Testing
@testable import Messaging
import TestSupport

@Suite("Recipient checks through the Users and Groups contracts")
struct RecipientDirectoryTests {
    /// On PostgreSQL the writer has no thread: batches with unknown
    /// recipients are checked on `mpim-directory`, the rest sent at once.
    @Test("a recipient or group that does not exist refuses its message alone; a yes is kept, so a known recipient is not asked again",
          arguments: StoreBackend.allCases)
    func askedOnce(backend: StoreBackend) async throws {
        let users = FakeUserService()
        let alice = try await users.register(username: "alice", password: "pw")
        let bob = try await users.register(username: "bob", password: "pw")
        let carol = try await users.register(username: "carol", password: "pw")
        let groups = FakeGroupService()
        let group = try await groups.create(name: "g", description: "", creator: alice)
        let (store, _) = try await temporaryStore(backend)
        try await store.startMembership(of: alice, in: group)
        try await store.startMembership(of: bob, in: group)
        let writer = MessageWriter(
            store: store, directory: RecipientDirectory(users: users, groups: groups), logger: Logger(label: "test"))
        func send(_ message: OutgoingMessage) async -> Result<StoredMessage, MPIMError> {
            await withCheckedContinuation { done in writer.store(message) { done.resume(returning: $0) } }
        }

        #expect(try await send(OutgoingMessage(sender: alice, recipient: bob, text: "hi")).get().recipients == [bob])
        #expect(try await send(OutgoingMessage(sender: alice, conversation: .group(group), text: "all")).get()
            .recipients == [bob])
        #expect(await send(OutgoingMessage(sender: alice, recipient: 99, text: "x")) == .failure(.noSuchUser))
        #expect(await send(OutgoingMessage(sender: alice, conversation: .group(77), text: "x")) == .failure(.noSuchGroup))
        #expect(await send(OutgoingMessage(sender: carol, conversation: .group(group), text: "x")) == .failure(.notMember))

        // With the user service down, what is known still goes through; what is not is refused.
        users.failure = .internal("store unavailable")
        #expect(try await send(OutgoingMessage(sender: carol, recipient: bob, text: "known")).get().recipients == [bob])
        #expect(await send(OutgoingMessage(sender: bob, recipient: carol, text: "unknown"))
            == .failure(.internal("store unavailable")))
        users.failure = nil
        #expect(try await send(OutgoingMessage(sender: bob, recipient: carol, text: "again")).get().recipients == [carol])
        #expect(try await store.takeInbox(of: bob, limit: 10).map(\.text) == ["hi", "all", "known"])
        await writer.close()
    }
}
