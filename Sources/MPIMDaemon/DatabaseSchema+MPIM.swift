import GroupsSQLite
import MessagingSQLite
import Storage
import UsersSQLite

extension DatabaseSchema {
    /// mpimd's SQLite schema: each migration made of its owners' steps, in
    /// the order they were released. Append; never edit (`DatabaseSchema`).
    public static let mpim = DatabaseSchema([
        .init("v1", steps: [UserTables.v1, GroupTables.v1, MessageTables.v1, AppDatabase.healthProbeTableV1]),
        // Messaging's group cursors in its own table, out of Groups' `groupMember`.
        .init("v2", steps: [MessageTables.v2, GroupTables.v2]),
    ])
}
