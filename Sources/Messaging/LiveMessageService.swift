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
    private let presence: any PresenceService
    private let ledger: DeliveryLedger
    private let logger: Logger
    /// Concurrent sends share one transaction: see `GroupCommit`.
    private let store: GroupCommit<OutgoingMessage, ChatMessage>

    public init(database: AppDatabase, users: any UserService, presence: any PresenceService,
                ledger: DeliveryLedger, logger: Logger) {
        self.database = database
        self.users = users
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
        let message: ChatMessage
        do {
            message = try await store.submit(OutgoingMessage(sender: sender, recipient: recipient, text: text))
        } catch {
            logger.error("message not stored", metadata: ["from": "\(sender)", "to": "\(recipient)", "error": "\(error)"])
            throw .internal("store unavailable")
        }
        await presence.deliver(.message(message), to: recipient)
        return message
    }

    public func pull(for user: UserID, limit: Int) async throws(MPIMError) -> [ChatMessage] {
        await ledger.flush()
        do {
            return try await database.takeInbox(of: user, limit: limit)
        } catch {
            logger.error("pull failed", metadata: ["uid": "\(user)", "error": "\(error)"])
            throw .internal("store unavailable")
        }
    }

    public func history(of user: UserID, with peer: UserID, before: MessageID?, limit: Int)
        async throws(MPIMError) -> [ChatMessage]
    {
        guard try await users.exists(peer) else { throw .noSuchUser }
        do {
            return try await database.conversation(between: user, and: peer, before: before, limit: limit)
        } catch {
            logger.error("history failed", metadata: ["uid": "\(user)", "error": "\(error)"])
            throw .internal("store unavailable")
        }
    }
}
