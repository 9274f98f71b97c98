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
            let started = ContinuousClock.now
            defer { MessagingMetrics.sqliteWrite.record(duration: .now - started) }
            return try await database.storeMessages(batch)
        }
    }

    /// How long client message ids are remembered (the contract asks for at least 24 h).
    static let clientIDRetention: Duration = .seconds(48 * 3600)

    public func run() async throws {
        // Forget old client ids now and then, until shutdown; then flush receipts.
        await cancelWhenGracefulShutdown {
            repeat {
                await self.forgetOldClientIDs()
            } while (try? await Task.sleep(for: .seconds(3600))) != nil
        }
        await ledger.flush()
    }

    public func send(from sender: UserID, to recipient: UserID, text: String, clientID: String?)
        async throws(MPIMError) -> ChatMessage
    {
        guard try await users.exists(recipient) else { throw .noSuchUser }
        let stored = try await commit(OutgoingMessage(sender: sender, recipient: recipient, text: text, clientID: clientID))
        MessagingMetrics.directAcknowledged.increment()
        if !stored.isRepeat {
            await presence.deliver(.message(stored.message), to: recipient)
        }
        return stored.message
    }

    public func send(from sender: UserID, toGroup group: GroupID, text: String, clientID: String?,
                     origin: ConnectionID?) async throws(MPIMError) -> ChatMessage
    {
        _ = try await groups.members(of: group, asSeenBy: sender)
        let stored = try await commit(
            OutgoingMessage(sender: sender, conversation: .group(group), text: text, clientID: clientID))
        MessagingMetrics.groupAcknowledged.increment()
        if !stored.isRepeat {
            // The sender's other sessions get it too; only the sending one is skipped.
            await presence.deliver(.message(stored.message), to: stored.recipients + [sender], skipping: origin)
        }
        return stored.message
    }

    public func acknowledge(_ messages: [MessageID], by user: UserID) async throws(MPIMError) -> Int {
        // Receipts recorded before the ack must not overwrite it afterwards.
        await ledger.flush()
        return try await database.run("ack", logger: logger) { try await $0.acknowledge(messages, of: user) }
    }

    public func awaitingAck(for user: UserID, limit: Int) async throws(MPIMError) -> [ChatMessage] {
        await ledger.flush()
        return try await database.run("unacknowledged", logger: logger) { try await $0.awaitingAck(of: user, limit: limit) }
    }

    public func sync(for user: UserID, after: MessageID, limit: Int) async throws(MPIMError) -> [ChatMessage] {
        try await database.run("sync", logger: logger) { try await $0.mailbox(of: user, after: after, limit: limit) }
    }

    private func forgetOldClientIDs() async {
        let (seconds, _) = Self.clientIDRetention.components
        let cutoff = UnixMillis.now() - seconds * 1000
        if let forgotten = try? await database.forgetClientIDs(before: cutoff), forgotten > 0 {
            logger.info("forgot old client message ids", metadata: ["count": "\(forgotten)"])
        }
    }

    public func pull(for user: UserID, limit: Int) async throws(MPIMError) -> [ChatMessage] {
        await ledger.flush()
        let messages = try await database.run("pull", logger: logger) { try await $0.takeInbox(of: user, limit: limit) }
        MessagingMetrics.pulled.increment(by: messages.count)
        return messages
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
