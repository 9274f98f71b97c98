import MPIMCore

/// Accounts and friendships.
///
/// In-process today (`LiveUserService`); the protocol is the seam where an
/// RPC client can stand in once the service runs elsewhere.
public protocol UserService: FriendLookup {
    /// Creates an account and returns its id.
    func register(username: String, password: String) async throws(MPIMError) -> UserID
    /// Checks the password; `.authFailed` or `.authLocked` when refused.
    func login(username: String, password: String) async throws(MPIMError) -> UserID
    /// Whether the account exists.
    func exists(_ user: UserID) async throws(MPIMError) -> Bool
    /// The id of the account with this name; `.noSuchUser` if there is none.
    func userID(named username: String) async throws(MPIMError) -> UserID
    /// The names of the accounts, in the order asked; `.noSuchUser` if any does not exist.
    func names(of users: [UserID]) async throws(MPIMError) -> [String]

    /// Makes two users friends, both ways; `.noSuchUser` if `friend` does not exist.
    func addFriend(_ friend: UserID, of user: UserID) async throws(MPIMError)
    /// Ends a friendship, both ways.
    func removeFriend(_ friend: UserID, of user: UserID) async throws(MPIMError)
    /// The user's friends, ascending.
    func friends(of user: UserID) async throws(MPIMError) -> [UserID]
}

/// Who a user's friends are; presence tells them of status changes.
public protocol FriendLookup: Sendable {
    func friends(of user: UserID) async throws(MPIMError) -> [UserID]
}
