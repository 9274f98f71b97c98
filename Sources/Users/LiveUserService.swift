import Cache
import HummingbirdBcrypt
import Logging
import MPIMCore
import MPIMServices
import NIOPosix

/// Accounts and friendships in its store with a Redis cache in front,
/// bcrypt-hashed passwords, failed-login lockout.
///
/// Hashing is slow on purpose, so it runs on a thread pool, never on this
/// actor or an event loop; the actor only guards the throttle and the cache
/// of known ids.
public actor LiveUserService<C: Clock>: UserService where C.Duration == Duration {
    public struct Configuration: Sendable {
        /// bcrypt cost factor: 2^cost rounds.
        public var bcryptCost: UInt8
        /// Lockout after repeated failures for one name.
        public var throttle: LoginThrottle<C.Instant>.Policy
        /// How long a successful login spares the next one with the same
        /// password the bcrypt check (zero: always check).
        public var verifiedLoginLifetime: Duration

        public init(bcryptCost: UInt8 = 10, throttle: LoginThrottle<C.Instant>.Policy = .init(),
                    verifiedLoginLifetime: Duration = .seconds(600)) {
            self.bcryptCost = bcryptCost
            self.throttle = throttle
            self.verifiedLoginLifetime = verifiedLoginLifetime
        }
    }

    private let store: any UserStore
    private let cache: any CacheStore
    private let hashingPool: NIOThreadPool
    private let configuration: Configuration
    private let clock: C
    private let logger: Logger
    private var throttle: LoginThrottle<C.Instant>
    private var verified: VerifiedCredentials<C.Instant>
    /// Accounts are never deleted, so a positive answer can be kept.
    private var knownUsers: Set<UserID> = []
    /// Nor renamed: names once read are kept, up to `knownNamesLimit`.
    private var knownNames: [UserID: String] = [:]
    private let knownNamesLimit = 1 << 18
    /// Verified against for unknown names, so they cost as much as wrong passwords.
    private let decoyHash: String

    public init(store: any UserStore, cache: any CacheStore, hashingPool: NIOThreadPool,
                configuration: Configuration, clock: C, logger: Logger) {
        self.store = store
        self.cache = cache
        self.hashingPool = hashingPool
        self.configuration = configuration
        self.clock = clock
        self.logger = logger
        self.throttle = LoginThrottle(policy: configuration.throttle)
        self.verified = VerifiedCredentials(lifetime: configuration.verifiedLoginLifetime)
        self.decoyHash = Bcrypt.hash("decoy-password", cost: configuration.bcryptCost)
        UsersMetrics.prepare()
    }

    public func register(username: String, password: String) async throws(MPIMError) -> UserID {
        guard Credentials.isValidUsername(username) else { throw .invalidUsername }
        guard Credentials.isValidPassword(password) else { throw .invalidPassword }
        let cost = configuration.bcryptCost
        let hash = try await offload { Bcrypt.hash(password, cost: cost) }
        let id = try await store.insertUser(name: username, passwordHash: hash).id
        knownUsers.insert(id)
        logger.info("registered", metadata: ["user": "\(username)", "uid": "\(id)"])
        return id
    }

    public func login(username: String, password: String) async throws(MPIMError) -> UserID {
        do {
            return try await checkLogin(username: username, password: password)
        } catch {
            UsersMetrics.loginRefused(error)
            throw error
        }
    }

    private func checkLogin(username: String, password: String) async throws(MPIMError) -> UserID {
        guard !throttle.isLocked(username, now: clock.now) else { throw .authLocked }
        let account = try await account(named: username)
        let hash = account?.passwordHash ?? decoyHash
        if let id = account?.id, verified.contains(username, password: password, hash: hash, now: clock.now) {
            throttle.recordSuccess(username)
            return id
        }
        // No account has a password REGISTER refuses (one with NUL, above all).
        let wellFormed = Credentials.isValidPassword(password)
        let matches = try await offload { Bcrypt.verify(password, hash: hash) } && wellFormed
        // Re-check after the await: other logins for this name may have locked it meanwhile.
        guard !throttle.isLocked(username, now: clock.now) else { throw .authLocked }
        guard matches, let id = account?.id else {
            if throttle.recordFailure(username, now: clock.now) {
                UsersMetrics.lockouts.increment()
                let policy = configuration.throttle
                logger.warning("login locked", metadata: [
                    "user": "\(username)", "failures": "\(policy.failures)",
                    "lockout_seconds": "\(policy.lockout.components.seconds)",
                ])
            }
            throw .authFailed
        }
        throttle.recordSuccess(username)
        verified.insert(username, password: password, hash: hash, now: clock.now)
        knownUsers.insert(id)
        return id
    }

    public func exists(_ user: UserID) async throws(MPIMError) -> Bool {
        if knownUsers.contains(user) { return true }
        let found = try await store.userExists(user)
        if found { knownUsers.insert(user) }
        return found
    }

    public func userID(named username: String) async throws(MPIMError) -> UserID {
        guard Credentials.isValidUsername(username), let account = try await account(named: username) else {
            throw .noSuchUser
        }
        return account.id
    }

    public func names(of users: [UserID]) async throws(MPIMError) -> [String] {
        var names: [UserID: String] = [:]
        for user in users { names[user] = knownNames[user] }
        let missing = Array(Set(users).subtracting(names.keys))
        if !missing.isEmpty {
            let found = try await store.names(of: missing)
            guard found.count == missing.count else { throw .noSuchUser }
            if knownNames.count + found.count > knownNamesLimit { knownNames = [:] }
            knownNames.merge(found) { first, _ in first }
            names.merge(found) { first, _ in first }
        }
        return users.map { names[$0]! }
    }

    public func addFriend(_ friend: UserID, of user: UserID) async throws(MPIMError) {
        guard friend != user else { throw .refused("cannot befriend yourself") }
        guard try await exists(friend) else { throw .noSuchUser }
        try await store.addFriendship(user, friend)
        await cache.invalidate([CacheKeys.friends(user), CacheKeys.friends(friend)])
    }

    public func removeFriend(_ friend: UserID, of user: UserID) async throws(MPIMError) {
        guard try await exists(friend) else { throw .noSuchUser }
        try await store.removeFriendship(user, friend)
        await cache.invalidate([CacheKeys.friends(user), CacheKeys.friends(friend)])
    }

    public func friends(of user: UserID) async throws(MPIMError) -> [UserID] {
        let key = CacheKeys.friends(user)
        if let cached = await cache.get(key, kind: .friends), let ids = IDList.decode(cached) {
            return ids
        }
        let friends = try await store.friends(of: user)
        await cache.set(key, value: IDList.encode(friends), kind: .friends)
        return friends
    }

    /// The account's id and hash: from the cache, else the store (then cached).
    private func account(named username: String) async throws(MPIMError) -> (id: UserID, passwordHash: String)? {
        let key = CacheKeys.userInfo(username)
        if let cached = await cache.get(key, kind: .userInfo) {
            let parts = cached.split(separator: " ", maxSplits: 1)
            if parts.count == 2, let id = UserID(parts[0]) { return (id, String(parts[1])) }
        }
        guard let account = try await store.user(named: username) else { return nil }
        await cache.set(key, value: "\(account.id) \(account.passwordHash)", kind: .userInfo)
        return (account.id, account.passwordHash)
    }

    private func offload<T: Sendable>(_ work: @escaping @Sendable () -> T) async throws(MPIMError) -> T {
        do {
            return try await hashingPool.runIfActive(work)
        } catch {
            throw .internal("shutting down")
        }
    }
}
