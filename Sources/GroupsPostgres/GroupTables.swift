import PostgresStorage

/// The group service's tables on PostgreSQL.
public enum GroupTables {
    /// As of schema v1.
    public static let v1 = PostgresSchema.statements(
        """
        CREATE TABLE chat_group (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            name text NOT NULL,
            description text NOT NULL,
            creator_id bigint NOT NULL,
            created_at bigint NOT NULL)
        """,
        """
        CREATE TABLE group_member (
            group_id bigint NOT NULL,
            user_id bigint NOT NULL,
            joined_at bigint NOT NULL,
            PRIMARY KEY (group_id, user_id))
        """,
        "CREATE INDEX group_member_on_user ON group_member (user_id, group_id)"
    )

    /// The schema of the group service's tables alone, for a store's own tests.
    public static let schema = PostgresSchema([.init("v1", steps: [v1])])
}
