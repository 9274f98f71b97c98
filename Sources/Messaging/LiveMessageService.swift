import Logging
import MPIMCore
import MPIMServices
import ServiceLifecycle

/// Messages in their store, group-committed; pushes through the delivery agent.
///
/// A send is queued on the message writer (one transaction per batch of
/// concurrent sends); once committed, on the writer's thread (or its
/// completer's) and in submission order, it is completed and then posted for
/// delivery, so a connection's replies keep the order of its commands and
/// pushes the order of the sends.
/// A struct, not an actor: its state lives in the writer and the store.
public struct LiveMessageService: MessageService, Service {
    private let store: any MessageStore
    private let groups: any GroupService
    private let users: any UserService
    private let ledger: DeliveryLedger
    private let logger: Logger
    private let writer: MessageWriter
    private let delivery: any DeliveryService

    public init(store: any MessageStore, writer: MessageWriter, users: any UserService, groups: any GroupService,
                delivery: any DeliveryService, ledger: DeliveryLedger, logger: Logger) {
        self.store = store
        self.writer = writer
        self.users = users
        self.groups = groups
        self.delivery = delivery
        self.ledger = ledger
        self.logger = logger
        MessagingMetrics.prepare()
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
        // The gateway, stopped before this service, records no more receipts.
        await writer.close()
    }

    public func submit(
        _ request: SendRequest, completion: @escaping @Sendable (Result<ChatMessage, MPIMError>) -> Void
    ) {
        let outgoing = OutgoingMessage(
            sender: request.sender, conversation: request.conversation, text: request.text, clientID: request.clientID)
        writer.store(outgoing) { [delivery] outcome in
            // On the writer's thread or its completer's, in commit order:
            // answer, then push, so the sender's reply is not written behind
            // a group's fan-out. The sending session gets no push of its own send
            // (except a message to oneself), so its lines keep their order.
            completion(outcome.map { $0.message })
            guard case .success(let stored) = outcome else { return }
            let pushes = Self.pushes(for: stored, origin: request.origin)
            if !pushes.isEmpty { delivery.post(pushes) }
            switch stored.message.conversation {
            case .direct: MessagingMetrics.directAcknowledged.increment()
            case .group: MessagingMetrics.groupAcknowledged.increment()
            }
        }
    }

    /// The pushes a committed send owes: a 1:1 message to the recipient's
    /// sessions and, as `SENT`, to the sender's other sessions; a group
    /// message to the other members and the sender's other sessions. Only
    /// the sending session is skipped.
    private static func pushes(for stored: StoredMessage, origin: ConnectionID?) -> [PushDelivery] {
        guard !stored.isRepeat else { return [] }
        let message = stored.message
        switch message.conversation {
        case .direct(let recipient):
            let received = PushDelivery(push: .message(message), users: stored.recipients)
            // A message to oneself reaches every session of the sender as MSG already.
            guard recipient != message.sender else { return [received] }
            return [received, PushDelivery(push: .sent(message), users: [message.sender], skipping: origin)]
        case .group:
            return [PushDelivery(push: .message(message), users: stored.recipients + [message.sender], skipping: origin)]
        }
    }

    public func acknowledge(_ messages: [MessageID], by user: UserID) async throws(MPIMError) -> Int {
        // Receipts recorded before the ack must not overwrite it afterwards.
        await ledger.flush()
        return try await store.acknowledge(messages, of: user)
    }

    public func awaitingAck(for user: UserID, limit: Int) async throws(MPIMError) -> [ChatMessage] {
        await ledger.flush()
        return try await store.awaitingAck(of: user, limit: limit)
    }

    public func sync(for user: UserID, after: MessageID, limit: Int) async throws(MPIMError) -> [ChatMessage] {
        try await store.mailbox(of: user, after: after, limit: limit)
    }

    private func forgetOldClientIDs() async {
        let (seconds, _) = Self.clientIDRetention.components
        let cutoff = UnixMillis.now() - seconds * 1000
        if let forgotten = try? await store.forgetClientIDs(before: cutoff), forgotten > 0 {
            logger.info("forgot old client message ids", metadata: ["count": "\(forgotten)"])
        }
    }

    public func pull(for user: UserID, limit: Int) async throws(MPIMError) -> [ChatMessage] {
        await ledger.flush()
        let messages = try await store.takeInbox(of: user, limit: limit)
        MessagingMetrics.pulled.increment(by: messages.count)
        return messages
    }

    public func history(of user: UserID, with peer: UserID, before: MessageID?, limit: Int)
        async throws(MPIMError) -> [ChatMessage]
    {
        guard try await users.exists(peer) else { throw .noSuchUser }
        return try await store.conversation(between: user, and: peer, before: before, limit: limit)
    }

    public func history(of user: UserID, inGroup group: GroupID, before: MessageID?, limit: Int)
        async throws(MPIMError) -> [ChatMessage]
    {
        _ = try await groups.members(of: group, asSeenBy: user)
        return try await store.groupConversation(group, before: before, limit: limit)
    }

    public func storeNotice(_ text: String) async throws(MPIMError) -> ChatMessage {
        try await store.storeNotice(text)
    }
}
