import PostgresStorage

/// The user service's tables on PostgreSQL.
public enum UserTables {
    /// As of schema v1. `account`, not `user`: that word is reserved in PostgreSQL.
    public static let v1 = PostgresSchema.statements(
        """
        CREATE TABLE account (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            name text NOT NULL UNIQUE,
            password_hash text NOT NULL,
            created_at bigint NOT NULL)
        """,
        // Friendship is mutual and stored both ways, so "friends of X" is one range scan.
        """
        CREATE TABLE friendship (
            user_id bigint NOT NULL,
            friend_id bigint NOT NULL,
            created_at bigint NOT NULL,
            PRIMARY KEY (user_id, friend_id))
        """
    )

    /// The schema of the user service's tables alone, for a store's own tests.
    public static let schema = PostgresSchema([.init("v1", steps: [v1])])
}
