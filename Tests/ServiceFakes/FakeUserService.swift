import MPIMCore
import MPIMServices
import Synchronization

/// `UserService` in memory: accounts by name, friendships both ways. Set
/// `failure` to make every call throw it (a store outage).
public final class FakeUserService: UserService {
    private struct Account {
        var id: UserID
        var password: String
    }

    private struct State {
        var accounts: [String: Account] = [:]
        var friends: [UserID: Set<UserID>] = [:]
        var nextID: UserID = 1
        var failure: MPIMError?
    }

    private let state = Mutex(State())

    public init() {}

    /// When set, every call throws it.
    public var failure: MPIMError? {
        get { state.withLock { $0.failure } }
        set { state.withLock { $0.failure = newValue } }
    }

    /// Whether an account has this id (what a fake store checks before storing).
    public func knows(_ user: UserID) -> Bool {
        state.withLock { state in state.accounts.values.contains { $0.id == user } }
    }

    public func register(username: String, password: String) async throws(MPIMError) -> UserID {
        try state.withLock { state throws(MPIMError) in
            if let failure = state.failure { throw failure }
            guard state.accounts[username] == nil else { throw .userExists }
            let id = state.nextID
            state.nextID += 1
            state.accounts[username] = Account(id: id, password: password)
            return id
        }
    }

    public func login(username: String, password: String) async throws(MPIMError) -> UserID {
        try state.withLock { state throws(MPIMError) in
            if let failure = state.failure { throw failure }
            guard let account = state.accounts[username], account.password == password else { throw .authFailed }
            return account.id
        }
    }

    public func exists(_ user: UserID) async throws(MPIMError) -> Bool {
        try state.withLock { state throws(MPIMError) in
            if let failure = state.failure { throw failure }
            return state.accounts.values.contains { $0.id == user }
        }
    }

    public func userID(named username: String) async throws(MPIMError) -> UserID {
        try state.withLock { state throws(MPIMError) in
            if let failure = state.failure { throw failure }
            guard let account = state.accounts[username] else { throw .noSuchUser }
            return account.id
        }
    }

    public func names(of users: [UserID]) async throws(MPIMError) -> [String] {
        try state.withLock { state throws(MPIMError) in
            if let failure = state.failure { throw failure }
            let names = Dictionary(state.accounts.map { ($1.id, $0) }, uniquingKeysWith: { first, _ in first })
            return try users.map { (user) throws(MPIMError) in
                guard let name = names[user] else { throw .noSuchUser }
                return name
            }
        }
    }

    public func addFriend(_ friend: UserID, of user: UserID) async throws(MPIMError) {
        guard friend != user else { throw .refused("cannot befriend yourself") }
        guard try await exists(friend) else { throw .noSuchUser }
        state.withLock { state in
            state.friends[user, default: []].insert(friend)
            state.friends[friend, default: []].insert(user)
        }
    }

    public func removeFriend(_ friend: UserID, of user: UserID) async throws(MPIMError) {
        state.withLock { state in
            state.friends[user]?.remove(friend)
            state.friends[friend]?.remove(user)
        }
    }

    public func friends(of user: UserID) async throws(MPIMError) -> [UserID] {
        try state.withLock { state throws(MPIMError) in
            if let failure = state.failure { throw failure }
            return (state.friends[user] ?? []).sorted()
        }
    }
}
