import Groups
import Logging
import MPIMCore
import Presence
import ServiceLifecycle
import Storage
import Users

/// Messages in SQLite, group-committed; pushes through presence.
public actor LiveMessageService: MessageService, Service {
    private let database: AppDatabase
    private let users: any UserService
    private let groups: any GroupService
    private let presence: any PresenceService
    private let ledger: DeliveryLedger
    private let logger: Logger
    /// Concurrent sends share one transaction: see `GroupCommit`.
    private let store: GroupCommit<OutgoingMessage, StoredMessage>

    public init(database: AppDatabase, users: any UserService, groups: any GroupService,
                presence: any PresenceService, ledger: DeliveryLedger, logger: Logger) {
        self.database = database
        self.users = users
        self.groups = groups
        self.presence = presence
        self.ledger = ledger
        self.logger = logger
        self.store = GroupCommit(maxBatch: 512) { batch in
            try await database.storeMessages(batch)
        }
    }

    public func run() async throws {
        try? await gracefulShutdown()
        await ledger.flush()
    }

    public func send(from sender: UserID, to recipient: UserID, text: String)
        async throws(MPIMError) -> ChatMessage
    {
        guard try await users.exists(recipient) else { throw .noSuchUser }
        let stored = try await commit(OutgoingMessage(sender: sender, recipient: recipient, text: text))
        await presence.deliver(.message(stored.message), to: recipient)
        return stored.message
    }

    public func send(from sender: UserID, toGroup group: GroupID, text: String, origin: ConnectionID?)
        async throws(MPIMError) -> ChatMessage
    {
        _ = try await groups.members(of: group, asSeenBy: sender)
        let stored = try await commit(OutgoingMessage(sender: sender, conversation: .group(group), text: text))
        // The sender's other sessions get it too; only the sending one is skipped.
        await presence.deliver(.message(stored.message), to: stored.recipients + [sender], skipping: origin)
        return stored.message
    }

    public func pull(for user: UserID, limit: Int) async throws(MPIMError) -> [ChatMessage] {
        await ledger.flush()
        return try await database.run("pull", logger: logger) { try await $0.takeInbox(of: user, limit: limit) }
    }

    public func history(of user: UserID, with peer: UserID, before: MessageID?, limit: Int)
        async throws(MPIMError) -> [ChatMessage]
    {
        guard try await users.exists(peer) else { throw .noSuchUser }
        return try await database.run("history", logger: logger) {
            try await $0.conversation(between: user, and: peer, before: before, limit: limit)
        }
    }

    public func history(of user: UserID, inGroup group: GroupID, before: MessageID?, limit: Int)
        async throws(MPIMError) -> [ChatMessage]
    {
        _ = try await groups.members(of: group, asSeenBy: user)
        return try await database.run("group history", logger: logger) {
            try await $0.groupConversation(group, before: before, limit: limit)
        }
    }

    private func commit(_ message: OutgoingMessage) async throws(MPIMError) -> StoredMessage {
        do {
            return try await store.submit(message)
        } catch {
            logger.error("message not stored", metadata: ["from": "\(message.sender)", "error": "\(error)"])
            throw .internal("store unavailable")
        }
    }
}
