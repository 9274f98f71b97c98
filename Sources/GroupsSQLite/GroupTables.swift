import GRDB
import Groups
import MPIMCore
import Storage

/// The group service's tables.
public enum GroupTables {
    /// As of schema v1, when members' delivery cursors were columns of
    /// `groupMember`.
    public static let v1: DatabaseSchema.Step = { db in
        try db.create(table: "chatGroup") { t in
            t.autoIncrementedPrimaryKey("id")
            t.column("name", .text).notNull()
            t.column("description", .text).notNull()
            t.column("creatorID", .integer).notNull()
            t.column("createdAt", .integer).notNull()
        }
        try db.create(table: "groupMember", options: [.withoutRowID]) { t in
            t.column("groupID", .integer).notNull()
            t.column("userID", .integer).notNull()
            t.column("joinedAt", .integer).notNull()
            t.column("joinedAfter", .integer).notNull().defaults(to: 0)
            t.column("deliveredThrough", .integer).notNull().defaults(to: 0)
            t.primaryKey(["groupID", "userID"])
        }
        try db.create(index: "groupMember_on_user", on: "groupMember", columns: ["userID", "groupID"])
    }

    /// Schema v2: the delivery cursors moved to messaging's `groupCursor`
    /// (`MessageTables.v2`, which runs first and copies them).
    public static let v2: DatabaseSchema.Step = { db in
        try db.execute(sql: """
            ALTER TABLE groupMember DROP COLUMN joinedAfter;
            ALTER TABLE groupMember DROP COLUMN deliveredThrough;
            """)
    }

    /// The schema of the group service's tables alone, for a store's own tests.
    public static let schema = DatabaseSchema([.init("v1", steps: [v1]), .init("v2", steps: [v2])])
}

/// A row of `chatGroup`.
struct GroupRecord: Codable, Sendable, FetchableRecord, MutablePersistableRecord {
    static let databaseTableName = "chatGroup"

    var id: GroupID?
    var name: String
    var description: String
    var creatorID: UserID
    var createdAt: UnixMillis

    mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }

    var info: GroupInfo {
        GroupInfo(id: id ?? 0, name: name, description: description, creator: creatorID, createdAt: createdAt)
    }
}

/// A row of `groupMember`.
struct GroupMemberRecord: Codable, Sendable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "groupMember"

    var groupID: GroupID
    var userID: UserID
    var joinedAt: UnixMillis
}
