import GroupsPostgres
import MessagingPostgres
import PostgresStorage
import UsersPostgres

extension PostgresSchema {
    /// mpimd's PostgreSQL schema: each migration made of its owners' steps,
    /// in the order they were released. Append; never edit (`PostgresSchema`).
    public static let mpim = PostgresSchema([
        .init("v1", steps: [UserTables.v1, GroupTables.v1, MessageTables.v1]),
        .init("v2", steps: [MessageTables.v2]),
    ])
}
