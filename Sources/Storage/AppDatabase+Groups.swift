import GRDB
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

extension GroupRecord {
    var info: GroupInfo {
        GroupInfo(id: id ?? 0, name: name, description: description, creator: creatorID, createdAt: createdAt)
    }
}

extension AppDatabase {
    /// Creates a group with its creator as the first member.
    public func createGroup(name: String, description: String, creator: UserID) async throws -> GroupInfo {
        try await writer.write { db in
            let now = UnixMillis.now()
            var group = GroupRecord(id: nil, name: name, description: description, creatorID: creator, createdAt: now)
            try group.insert(db)
            try Self.membership(of: creator, in: group.id!, at: now, db).insert(db)
            return group.info
        }
    }

    /// The group, if it exists.
    public func group(_ id: GroupID) async throws -> GroupInfo? {
        try await writer.read { db in
            try GroupRecord.fetchOne(db, key: id)?.info
        }
    }

    /// Adds a member; `.noSuchGroup` if the group does not exist. Joining twice is fine.
    public func addMember(_ user: UserID, to group: GroupID) async throws {
        try await writer.write { db in
            guard try GroupRecord.exists(db, key: group) else { throw MPIMError.noSuchGroup }
            try Self.membership(of: user, in: group, at: .now(), db).insert(db, onConflict: .ignore)
        }
    }

    /// Removes a member; false if they were not one. What the group still
    /// owed them stays owed to PULL, and SYNC keeps returning the messages
    /// of their time in the group.
    public func removeMember(_ user: UserID, from group: GroupID) async throws -> Bool {
        try await writer.write { db in
            guard let member = try GroupMemberRecord.fetchOne(db, key: ["groupID": group, "userID": user]) else {
                return false
            }
            try DeliveryCursors.endMembership(member, in: db)
            return try member.delete(db)
        }
    }

    /// A new membership: the group's messages from now on are addressed to the user.
    private static func membership(of user: UserID, in group: GroupID, at now: UnixMillis, _ db: Database) throws
        -> GroupMemberRecord
    {
        let head = try DeliveryCursors.newestMessageID(db)
        return GroupMemberRecord(groupID: group, userID: user, joinedAt: now, joinedAfter: head, deliveredThrough: head)
    }

    /// A group's members, ascending.
    public func members(of group: GroupID) async throws -> [UserID] {
        try await writer.read { db in
            try UserID.fetchAll(db, sql: "SELECT userID FROM groupMember WHERE groupID = ? ORDER BY userID",
                                arguments: [group])
        }
    }

    /// The groups a user is in, ascending.
    public func groups(of user: UserID) async throws -> [GroupID] {
        try await writer.read { db in
            try GroupID.fetchAll(db, sql: "SELECT groupID FROM groupMember WHERE userID = ? ORDER BY groupID",
                                 arguments: [user])
        }
    }
}
