import MPIMCore

/// A group as `GROUPINFO` shows it.
public struct GroupSummary: Sendable, Equatable {
    public var id: GroupID
    public var name: String
    public var description: String
    public var creator: UserID
    public var createdAt: UnixMillis
    public var memberCount: Int

    public init(id: GroupID, name: String, description: String, creator: UserID, createdAt: UnixMillis,
                memberCount: Int) {
        self.id = id
        self.name = name
        self.description = description
        self.creator = creator
        self.createdAt = createdAt
        self.memberCount = memberCount
    }
}

/// Groups and their members.
public protocol GroupService: Sendable {
    /// Creates a group; the creator is its first member.
    func create(name: String, description: String, creator: UserID) async throws(MPIMError) -> GroupID
    /// Adds a member (joining twice is fine); `.noSuchGroup` if it does not exist.
    func join(_ group: GroupID, user: UserID) async throws(MPIMError)
    /// Removes a member; `.notMember` if they were not one.
    func leave(_ group: GroupID, user: UserID) async throws(MPIMError)
    /// Whether the group exists (groups are never deleted).
    func exists(_ group: GroupID) async throws(MPIMError) -> Bool
    /// The groups `user` is in, ascending.
    func groups(of user: UserID) async throws(MPIMError) -> [GroupID]
    /// The members, ascending; `.noSuchGroup` if the group does not exist.
    func members(of group: GroupID) async throws(MPIMError) -> [UserID]
    /// The group's description and member count.
    func summary(of group: GroupID) async throws(MPIMError) -> GroupSummary
}

extension GroupService {
    /// The members, for a member only: `.notMember` otherwise.
    public func members(of group: GroupID, asSeenBy user: UserID) async throws(MPIMError) -> [UserID] {
        let members = try await members(of: group)
        guard members.contains(user) else { throw .notMember }
        return members
    }
}

/// Told by the group service of every membership change, before it answers
/// the change's command: Messaging keeps a delivery cursor per member and
/// addresses a group's messages to the members it was told of.
///
/// A join is stored, then told; a leave is told, then stored. If the telling
/// fails, the command fails, and repeating it completes the change.
public protocol GroupMembershipObserver: Sendable {
    /// `user` is now a member of `group` (told again when they join twice).
    func memberJoined(_ user: UserID, group: GroupID) async throws(MPIMError)
    /// `user` is leaving `group` (told even if they were not a member).
    func memberLeaving(_ user: UserID, group: GroupID) async throws(MPIMError)
}
