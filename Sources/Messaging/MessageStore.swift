import MPIMCore

/// A message to store: who sends what to whom (a user or a group), and the
/// client's own id for it when the client gave one (`@cid=`).
public struct OutgoingMessage: Sendable, Equatable {
    public var sender: UserID
    public var conversation: Conversation
    public var text: String
    public var clientID: String?

    public init(sender: UserID, conversation: Conversation, text: String, clientID: String? = nil) {
        self.sender = sender
        self.conversation = conversation
        self.text = text
        self.clientID = clientID
    }

    public init(sender: UserID, recipient: UserID, text: String, clientID: String? = nil) {
        self.init(sender: sender, conversation: .direct(recipient), text: text, clientID: clientID)
    }
}

/// A committed message and the users it was queued for.
public struct StoredMessage: Sendable, Equatable {
    public var message: ChatMessage
    /// The recipient of a 1:1 message; a group's members other than the sender.
    public var recipients: [UserID]
    /// True when the client id was seen before: `message` is the original,
    /// nothing new was stored, and nothing should be pushed.
    public var isRepeat: Bool

    public init(message: ChatMessage, recipients: [UserID], isRepeat: Bool) {
        self.message = message
        self.recipients = recipients
        self.isRepeat = isRepeat
    }
}

/// What a push did for its recipient: the message is delivered to the user,
/// or awaits their ack (a session in ack mode). It moves the user's delivery
/// cursor on the message's stream.
public struct MailboxReceipt: Sendable, Equatable {
    public var user: UserID
    public var message: MessageID
    public var state: MailboxState
    /// The message's group; nil for a 1:1 message.
    public var group: GroupID?

    public init(user: UserID, message: MessageID, state: MailboxState, group: GroupID? = nil) {
        self.user = user
        self.message = message
        self.state = state
        self.group = group
    }
}

/// What a push did for its recipient (`MailboxReceipt`).
public enum MailboxState: Int, Sendable {
    /// Pushed to a session in ack mode and not acknowledged yet: PULL returns
    /// it, and it is pushed again when a session of the user logs in.
    case awaitingAck = 1
    /// Pushed (and acknowledged, in ack mode) or pulled.
    case delivered = 2
}

/// Where the message service keeps messages and what each user is owed:
/// its tables, which no other service reads. Facts of other services reach
/// it from the service: a 1:1 recipient is checked before its message is
/// stored, and a group's members are the memberships Groups told of
/// (`startMembership`, `endMembership`).
///
/// A backend answers domain refusals as `MPIMError` and any failure of its
/// own as `.internal("store unavailable")`, logged; `store` alone throws
/// its own errors, which the writer logs and answers.
public protocol MessageStore: Sendable {
    /// Stores messages in one transaction, each once, and returns them with
    /// ids, timestamps and recipients (for a group: every member but the
    /// sender, at this moment); in the same transaction records `receipts`.
    /// A group message from a sender who is not a member fails with
    /// `.notMember`. A message whose client id the sender used before is not
    /// stored again: the original is returned. When this returns, the
    /// stored messages are committed.
    ///
    /// Runs on the message writer's own thread and may block it until the
    /// commit; never called from Swift concurrency or an event loop.
    func store(_ batch: [OutgoingMessage], receipts: [MailboxReceipt]) throws -> [Result<StoredMessage, MPIMError>]
    /// Whether receipts may be stored by a thread of their own, alongside
    /// batches of messages (`store` with no messages), rather than riding
    /// with the next batch.
    var recordsReceiptsApart: Bool { get }
    /// Acknowledges messages for a user: they count as delivered. Returns
    /// how many of the ids are messages addressed to that user, or pushed to
    /// one of their sessions in ack mode.
    func acknowledge(_ messages: [MessageID], of user: UserID) async throws(MPIMError) -> Int
    /// Takes up to `limit` of the messages PULL owes the user, oldest first,
    /// and marks them delivered.
    func takeInbox(of user: UserID, limit: Int) async throws(MPIMError) -> [ChatMessage]
    /// Messages pushed to an ack-mode session of the user and never acknowledged, oldest first.
    func awaitingAck(of user: UserID, limit: Int) async throws(MPIMError) -> [ChatMessage]
    /// Every message addressed to the user with an id above `after`, oldest
    /// first, whatever its delivery state.
    func mailbox(of user: UserID, after: MessageID, limit: Int) async throws(MPIMError) -> [ChatMessage]
    /// The 1:1 conversation of two users in both directions: the `limit`
    /// latest messages with an id below `before` (if given), oldest first.
    func conversation(between user: UserID, and peer: UserID, before: MessageID?, limit: Int)
        async throws(MPIMError) -> [ChatMessage]
    /// A group's messages: the `limit` latest with an id below `before` (if given), oldest first.
    func groupConversation(_ group: GroupID, before: MessageID?, limit: Int) async throws(MPIMError) -> [ChatMessage]
    /// Stores a system notice (sender 0, addressed to nobody in particular)
    /// for its id and timestamp; it is pushed, never pulled.
    func storeNotice(_ text: String) async throws(MPIMError) -> ChatMessage
    /// Forgets client ids older than `before`; returns how many.
    func forgetClientIDs(before: UnixMillis) async throws(MPIMError) -> Int
    /// The group's messages from now on are addressed to the user. Starting
    /// twice keeps the first start.
    func startMembership(of user: UserID, in group: GroupID) async throws(MPIMError)
    /// The group's later messages are not addressed to the user; what it
    /// still owed them stays owed to PULL, and SYNC keeps returning the
    /// messages of their time in it. Nothing happens if they were not in it.
    func endMembership(of user: UserID, in group: GroupID) async throws(MPIMError)
}

extension MessageStore {
    public var recordsReceiptsApart: Bool { false }
}

/// A store whose write of a batch of messages is one round trip to a
/// server, started without blocking: the message writer then needs no
/// thread of its own, and the connection's thread sends the next batch the
/// moment the answer to one comes (`RoundTripBatcher`). Such a store records
/// receipts apart.
public protocol RoundTripMessageStore: MessageStore {
    /// Starts what `store(batch, receipts: [])` does and returns at once;
    /// `answer` gets what that would return or throw, on the thread that
    /// reads the server's answer. Never blocks.
    func startStore(
        _ batch: [OutgoingMessage],
        answer: @escaping @Sendable (Result<[Result<StoredMessage, MPIMError>], any Error>) -> Void)
}
