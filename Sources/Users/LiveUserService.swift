import HummingbirdBcrypt
import Logging
import MPIMCore
import NIOPosix
import Storage

/// Accounts in SQLite, bcrypt-hashed passwords, failed-login lockout.
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

        public init(bcryptCost: UInt8 = 10, throttle: LoginThrottle<C.Instant>.Policy = .init()) {
            self.bcryptCost = bcryptCost
            self.throttle = throttle
        }
    }

    private let database: AppDatabase
    private let hashingPool: NIOThreadPool
    private let configuration: Configuration
    private let clock: C
    private let logger: Logger
    private var throttle: LoginThrottle<C.Instant>
    /// Accounts are never deleted, so a positive answer can be kept.
    private var knownUsers: Set<UserID> = []
    /// Verified against for unknown names, so they cost as much as wrong passwords.
    private let decoyHash: String

    public init(database: AppDatabase, hashingPool: NIOThreadPool, configuration: Configuration,
                clock: C, logger: Logger) {
        self.database = database
        self.hashingPool = hashingPool
        self.configuration = configuration
        self.clock = clock
        self.logger = logger
        self.throttle = LoginThrottle(policy: configuration.throttle)
        self.decoyHash = Bcrypt.hash("decoy-password", cost: configuration.bcryptCost)
    }

    public func register(username: String, password: String) async throws(MPIMError) -> UserID {
        guard Credentials.isValidUsername(username) else { throw .invalidUsername }
        guard Credentials.isValidPassword(password) else { throw .invalidPassword }
        let cost = configuration.bcryptCost
        let hash = try await offload { Bcrypt.hash(password, cost: cost) }
        let user: UserRecord
        do {
            user = try await database.insertUser(name: username, passwordHash: hash)
        } catch let error as MPIMError {
            throw error
        } catch {
            logger.error("register failed", metadata: ["user": "\(username)", "error": "\(error)"])
            throw .internal("store unavailable")
        }
        let id = user.id!
        knownUsers.insert(id)
        logger.info("registered", metadata: ["user": "\(username)", "uid": "\(id)"])
        return id
    }

    public func login(username: String, password: String) async throws(MPIMError) -> UserID {
        guard !throttle.isLocked(username, now: clock.now) else { throw .authLocked }
        let record: UserRecord?
        do {
            record = try await database.user(named: username)
        } catch {
            logger.error("login lookup failed", metadata: ["user": "\(username)", "error": "\(error)"])
            throw .internal("store unavailable")
        }
        let hash = record?.passwordHash ?? decoyHash
        let matches = try await offload { Bcrypt.verify(password, hash: hash) }
        // Re-check after the await: other logins for this name may have locked it meanwhile.
        guard !throttle.isLocked(username, now: clock.now) else { throw .authLocked }
        guard matches, let id = record?.id else {
            throttle.recordFailure(username, now: clock.now)
            throw .authFailed
        }
        throttle.recordSuccess(username)
        knownUsers.insert(id)
        return id
    }

    public func exists(_ user: UserID) async throws(MPIMError) -> Bool {
        if knownUsers.contains(user) { return true }
        do {
            let found = try await database.userExists(user)
            if found { knownUsers.insert(user) }
            return found
        } catch {
            logger.error("user lookup failed", metadata: ["uid": "\(user)", "error": "\(error)"])
            throw .internal("store unavailable")
        }
    }

    private func offload<T: Sendable>(_ work: @escaping @Sendable () -> T) async throws(MPIMError) -> T {
        do {
            return try await hashingPool.runIfActive(work)
        } catch {
            throw .internal("shutting down")
        }
    }
}
