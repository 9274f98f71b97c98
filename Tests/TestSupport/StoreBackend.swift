import Logging
import PostgresStorage

/// The backends every store test runs on: each store behaviour is checked on both.
public enum StoreBackend: String, CaseIterable, Sendable, CustomStringConvertible {
    case sqlite
    case postgres

    public var description: String { rawValue }
}

/// A new, empty database on this test process's PostgreSQL server, brought
/// up to `schema`, opened with `configure` applied to the default configuration.
public func temporaryPostgresDatabase(
    schema: PostgresSchema, _ configure: (inout PostgresConfiguration) -> Void = { _ in }
) async throws -> PostgresDatabase {
    var configuration = PostgresConfiguration(url: try await PostgresServerProcess.shared().createDatabase())
    configure(&configuration)
    return try await PostgresDatabase.open(configuration, schema: schema, logger: Logger(label: "test"))
}
