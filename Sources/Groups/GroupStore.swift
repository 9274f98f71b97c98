import MPIMCore

/// A group as stored, without its members.
public struct GroupInfo: Sendable, Equatable {
    public var id: GroupID
    public var name: String
    public var description: String
    public var creator: UserID
    public var createdAt: UnixMillis

    public init(id: GroupID, name: String, description: String, creator: UserID, createdAt: UnixMillis) {
        self.id = id
        self.name = name
        self.description = description
        self.creator = creator
        self.createdAt = createdAt
    }
}

/// Where the group service keeps groups and memberships: its tables, which
/// no other service reads. A backend answers domain refusals as `MPIMError`
/// and any failure of its own as `.internal("store unavailable")`, logged.
public protocol GroupStore: Sendable {
    /// Creates a group with its creator as the first member.
    func createGroup(name: String, description: String, creator: UserID) async throws(MPIMError) -> GroupInfo
    /// The group, if it exists.
    func group(_ id: GroupID) async throws(MPIMError) -> GroupInfo?
    /// Adds a member; `.noSuchGroup` if the group does not exist. Joining twice is fine.
    func addMember(_ user: UserID, to group: GroupID) async throws(MPIMError)
    /// Removes a member; false if they were not one.
    func removeMember(_ user: UserID, from group: GroupID) async throws(MPIMError) -> Bool
    /// A group's members, ascending.
    func members(of group: GroupID) async throws(MPIMError) -> [UserID]
    /// The groups a user is in, ascending.
    func groups(of user: UserID) async throws(MPIMError) -> [GroupID]
}
