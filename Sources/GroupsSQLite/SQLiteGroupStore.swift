import GRDB
import Groups
import Logging
import MPIMCore
import Storage

/// Groups and memberships in the SQLite file.
public struct SQLiteGroupStore: GroupStore {
    private let database: AppDatabase
    private let logger: Logger

    public init(database: AppDatabase, logger: Logger) {
        self.database = database
        self.logger = logger
    }

    public func createGroup(name: String, description: String, creator: UserID) async throws(MPIMError) -> GroupInfo {
        try await database.run("create group", logger: logger) { database in
            try await database.writer.write { db in
                let now = UnixMillis.now()
                var group = GroupRecord(id: nil, name: name, description: description, creatorID: creator, createdAt: now)
                try group.insert(db)
                try GroupMemberRecord(groupID: group.id!, userID: creator, joinedAt: now).insert(db)
                return group.info
            }
        }
    }

    public func group(_ id: GroupID) async throws(MPIMError) -> GroupInfo? {
        try await database.run("read group", logger: logger) { database in
            try await database.writer.read { db in try GroupRecord.fetchOne(db, key: id)?.info }
        }
    }

    public func addMember(_ user: UserID, to group: GroupID) async throws(MPIMError) {
        try await database.run("join group", logger: logger) { database in
            try await database.writer.write { db in
                guard try GroupRecord.exists(db, key: group) else { throw MPIMError.noSuchGroup }
                try GroupMemberRecord(groupID: group, userID: user, joinedAt: .now()).insert(db, onConflict: .ignore)
            }
        }
    }

    public func removeMember(_ user: UserID, from group: GroupID) async throws(MPIMError) -> Bool {
        try await database.run("leave group", logger: logger) { database in
            try await database.writer.write { db in
                try GroupMemberRecord.deleteOne(db, key: ["groupID": group, "userID": user])
            }
        }
    }

    public func members(of group: GroupID) async throws(MPIMError) -> [UserID] {
        try await database.run("list members", logger: logger) { database in
            try await database.writer.read { db in
                try UserID.fetchAll(db, sql: "SELECT userID FROM groupMember WHERE groupID = ? ORDER BY userID",
                                    arguments: [group])
            }
        }
    }

    public func groups(of user: UserID) async throws(MPIMError) -> [GroupID] {
        try await database.run("list groups", logger: logger) { database in
            try await database.writer.read { db in
                try GroupID.fetchAll(db, sql: "SELECT groupID FROM groupMember WHERE userID = ? ORDER BY groupID",
                                     arguments: [user])
            }
        }
    }
}
