import MPIMCore

/// An account as stored.
public struct StoredUser: Sendable, Equatable {
    public var id: UserID
    public var name: String
    public var passwordHash: String
    public var createdAt: UnixMillis

    public init(id: UserID, name: String, passwordHash: String, createdAt: UnixMillis) {
        self.id = id
        self.name = name
        self.passwordHash = passwordHash
        self.createdAt = createdAt
    }
}

/// Where the user service keeps accounts and friendships: its tables, which
/// no other service reads. A backend answers domain refusals as `MPIMError`
/// and any failure of its own as `.internal("store unavailable")`, logged.
public protocol UserStore: Sendable {
    /// Inserts an account; `.userExists` when the name is taken.
    func insertUser(name: String, passwordHash: String) async throws(MPIMError) -> StoredUser
    /// The account with this name, if any.
    func user(named name: String) async throws(MPIMError) -> StoredUser?
    /// Whether an account with this id exists.
    func userExists(_ id: UserID) async throws(MPIMError) -> Bool
    /// The names of those of `ids` that are accounts.
    func names(of ids: [UserID]) async throws(MPIMError) -> [UserID: String]
    /// Makes two users friends both ways; already being friends is fine.
    func addFriendship(_ user: UserID, _ friend: UserID) async throws(MPIMError)
    /// Ends a friendship both ways; not being friends is fine.
    func removeFriendship(_ user: UserID, _ friend: UserID) async throws(MPIMError)
    /// A user's friends, ascending.
    func friends(of user: UserID) async throws(MPIMError) -> [UserID]
}
