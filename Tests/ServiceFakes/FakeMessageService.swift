import MPIMCore
import MPIMServices
import Synchronization

/// `MessageService` in memory, and the `DeliveryReceipts` the gateway's
/// session table reports pushes to. A send is checked against the fake
/// users and groups, stored, posted for delivery and completed, all at once
/// and in order; `hold()` keeps completions back until `release()`, to see
/// what a session does while its sends are in flight.
public final class FakeMessageService: MessageService, DeliveryReceipts {
    private struct State {
        var messages: [ChatMessage] = []
        /// (message, user) pairs a push reached.
        var delivered: Set<Pair> = []
        var nextID: MessageID = 1
        var holding = false
        var held: [@Sendable () -> Void] = []
        var failure: MPIMError?
    }

    private struct Pair: Hashable {
        var message: MessageID
        var user: UserID
    }

    private let state = Mutex(State())
    private let users: FakeUserService
    private let groups: FakeGroupService
    private let delivery: any DeliveryService

    public init(users: FakeUserService, groups: FakeGroupService, delivery: any DeliveryService) {
        self.users = users
        self.groups = groups
        self.delivery = delivery
    }

    /// When set, every call throws (or completes with) it.
    public var failure: MPIMError? {
        get { state.withLock { $0.failure } }
        set { state.withLock { $0.failure = newValue } }
    }

    /// Every message stored, in order.
    public var stored: [ChatMessage] { state.withLock { $0.messages } }

    /// Completions wait from now until `release()`.
    public func hold() {
        state.withLock { $0.holding = true }
    }

    /// Runs the held completions, in submission order.
    public func release() {
        let held = state.withLock { state in
            state.holding = false
            defer { state.held = [] }
            return state.held
        }
        held.forEach { $0() }
    }

    public func submit(_ request: SendRequest,
                       completion: @escaping @Sendable (Result<ChatMessage, MPIMError>) -> Void) {
        let outcome = store(request)
        let finish: @Sendable () -> Void = { [delivery] in
            if case .success(let message) = outcome, let push = Self.delivery(for: message, request: request,
                                                                                   members: self.members(message)) {
                delivery.post([push])
            }
            completion(outcome)
        }
        let now = state.withLock { state -> Bool in
            guard state.holding else { return true }
            state.held.append(finish)
            return false
        }
        if now { finish() }
    }

    private func store(_ request: SendRequest) -> Result<ChatMessage, MPIMError> {
        if let failure { return .failure(failure) }
        switch request.conversation {
        case .direct(let recipient):
            guard users.knows(recipient) else { return .failure(.noSuchUser) }
        case .group(let group):
            guard let members = groups.memberList(group) else { return .failure(.noSuchGroup) }
            guard members.contains(request.sender) else { return .failure(.notMember) }
        }
        return .success(state.withLock { state in
            let message = ChatMessage(id: state.nextID, sender: request.sender, conversation: request.conversation,
                                      text: request.text, timestamp: .now())
            state.nextID += 1
            state.messages.append(message)
            return message
        })
    }

    private func members(_ message: ChatMessage) -> [UserID] {
        guard case .group(let group) = message.conversation else { return [] }
        return groups.memberList(group) ?? []
    }

    private static func delivery(for message: ChatMessage, request: SendRequest, members: [UserID]) -> PushDelivery? {
        switch message.conversation {
        case .direct(let recipient):
            return PushDelivery(push: .message(message), users: [recipient])
        case .group:
            return PushDelivery(push: .message(message), users: members, skipping: request.origin)
        }
    }

    /// The messages addressed to `user` (1:1 to them, or in their groups, not their own).
    private func addressed(to user: UserID, in messages: [ChatMessage]) -> [ChatMessage] {
        messages.filter { message in
            switch message.conversation {
            case .direct(let recipient): recipient == user
            case .group(let group): message.sender != user && (groups.memberList(group)?.contains(user) ?? false)
            }
        }
    }

    // MARK: DeliveryReceipts

    public func pushed(_ receipts: [PushReceipt]) {
        state.withLock { state in
            for receipt in receipts where !receipt.awaitingAck {
                state.delivered.insert(Pair(message: receipt.message, user: receipt.user))
            }
        }
    }

    // MARK: Reads

    public func pull(for user: UserID, limit: Int) async throws(MPIMError) -> [ChatMessage] {
        if let failure { throw failure }
        let all = state.withLock { $0.messages }
        let owed = addressed(to: user, in: all)
        return state.withLock { state in
            let taken = Array(owed.filter { !state.delivered.contains(Pair(message: $0.id, user: user)) }.prefix(limit))
            for message in taken { state.delivered.insert(Pair(message: message.id, user: user)) }
            return taken
        }
    }

    public func acknowledge(_ messages: [MessageID], by user: UserID) async throws(MPIMError) -> Int {
        let mine = Set(addressed(to: user, in: stored).map(\.id))
        return messages.filter(mine.contains).count
    }

    public func awaitingAck(for user: UserID, limit: Int) async throws(MPIMError) -> [ChatMessage] { [] }

    public func sync(for user: UserID, after: MessageID, limit: Int) async throws(MPIMError) -> [ChatMessage] {
        if let failure { throw failure }
        return Array(addressed(to: user, in: stored).filter { $0.id > after }.prefix(limit))
    }

    public func history(of user: UserID, with peer: UserID, before: MessageID?, limit: Int)
        async throws(MPIMError) -> [ChatMessage]
    {
        let conversation = stored.filter { message in
            (message.sender == user && message.conversation == .direct(peer))
                || (message.sender == peer && message.conversation == .direct(user))
        }
        return Array(conversation.filter { before == nil || $0.id < before! }.suffix(limit))
    }

    public func history(of user: UserID, inGroup group: GroupID, before: MessageID?, limit: Int)
        async throws(MPIMError) -> [ChatMessage]
    {
        guard let members = groups.memberList(group) else { throw .noSuchGroup }
        guard members.contains(user) else { throw .notMember }
        let messages = stored.filter { $0.conversation == .group(group) && (before == nil || $0.id < before!) }
        return Array(messages.suffix(limit))
    }

    public func storeNotice(_ text: String) async throws(MPIMError) -> ChatMessage {
        if let failure { throw failure }
        return state.withLock { state in
            let notice = ChatMessage(id: state.nextID, sender: 0, conversation: .direct(0), text: text,
                                     timestamp: .now())
            state.nextID += 1
            return notice
        }
    }
}
