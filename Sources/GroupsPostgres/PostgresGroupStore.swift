import Groups
import Logging
import MPIMCore
import PostgresNIO
import PostgresStorage

/// Groups and memberships in PostgreSQL.
public struct PostgresGroupStore: GroupStore {
    private let database: PostgresStorage.PostgresDatabase
    private let logger: Logger

    public init(database: PostgresStorage.PostgresDatabase, logger: Logger) {
        self.database = database
        self.logger = logger
    }

    public func createGroup(name: String, description: String, creator: UserID) async throws(MPIMError) -> GroupInfo {
        try await database.run("create group", logger: logger) { client in
            let now = UnixMillis.now()
            // One statement: the group and its first member commit together.
            let id = try await client.query("""
                WITH created AS (
                    INSERT INTO chat_group (name, description, creator_id, created_at)
                    VALUES (\(name), \(description), \(creator), \(now)) RETURNING id),
                creator AS (
                    INSERT INTO group_member (group_id, user_id, joined_at) SELECT id, \(creator), \(now) FROM created)
                SELECT id FROM created
                """).collect()[0].decode(GroupID.self)
            return GroupInfo(id: id, name: name, description: description, creator: creator, createdAt: now)
        }
    }

    public func group(_ id: GroupID) async throws(MPIMError) -> GroupInfo? {
        try await database.run("read group", logger: logger) { client in
            try await client.query(
                "SELECT name, description, creator_id, created_at FROM chat_group WHERE id = \(id)"
            ).decode((String, String, UserID, UnixMillis).self).collect().first.map { name, description, creator, createdAt in
                GroupInfo(id: id, name: name, description: description, creator: creator, createdAt: createdAt)
            }
        }
    }

    public func addMember(_ user: UserID, to group: GroupID) async throws(MPIMError) {
        try await database.run("join group", logger: logger) { client in
            let found = try await client.query("""
                WITH found AS (SELECT id FROM chat_group WHERE id = \(group)),
                joined AS (
                    INSERT INTO group_member (group_id, user_id, joined_at) SELECT id, \(user), \(UnixMillis.now()) FROM found
                    ON CONFLICT DO NOTHING)
                SELECT count(*) FROM found
                """).collect()[0].decode(Int64.self)
            guard found == 1 else { throw MPIMError.noSuchGroup }
        }
    }

    public func removeMember(_ user: UserID, from group: GroupID) async throws(MPIMError) -> Bool {
        try await database.run("leave group", logger: logger) { client in
            try await !client.query(
                "DELETE FROM group_member WHERE group_id = \(group) AND user_id = \(user) RETURNING 1"
            ).collect().isEmpty
        }
    }

    public func members(of group: GroupID) async throws(MPIMError) -> [UserID] {
        try await database.run("list members", logger: logger) { client in
            try await client.query(
                "SELECT user_id FROM group_member WHERE group_id = \(group) ORDER BY user_id"
            ).decode(UserID.self).collect()
        }
    }

    public func groups(of user: UserID) async throws(MPIMError) -> [GroupID] {
        try await database.run("list groups", logger: logger) { client in
            try await client.query(
                "SELECT group_id FROM group_member WHERE user_id = \(user) ORDER BY group_id"
            ).decode(GroupID.self).collect()
        }
    }
}
