import PostgresNIO

/// Where the PostgreSQL database is and how long a store call may wait for it.
public struct PostgresConfiguration: Sendable {
    /// `postgres://user[:password]@host[:port]/database`, optionally
    /// `?sslmode=disable|prefer|require` (default `disable`); user and
    /// password may be percent-encoded.
    public var url: String
    /// How many connections the pool opens at most.
    public var poolSize: Int
    /// How long opening a connection may take.
    public var connectTimeout: Duration
    /// How long any store call may wait, ever: the server aborts a statement
    /// running longer (`statement_timeout`), and the caller stops waiting
    /// then too, since a cut network link never answers at all.
    public var statementTimeout: Duration

    /// How long the caller waits: the statement timeout, and a moment for
    /// the server's own timeout answer to arrive, so that a server that
    /// answers is never taken for one that cannot be reached.
    var callerTimeout: Duration { statementTimeout + .milliseconds(250) }

    public init(url: String, poolSize: Int = 8, connectTimeout: Duration = .seconds(5),
                statementTimeout: Duration = .seconds(5)) {
        self.url = url
        self.poolSize = poolSize
        self.connectTimeout = connectTimeout
        self.statementTimeout = statementTimeout
    }
}

extension PostgresConfiguration {
    /// The server's own settings every connection starts with: statements
    /// are aborted by the server past `statementTimeout`, or past `timeout`
    /// when given (the migrations').
    func startupParameters(statementTimeout timeout: Duration? = nil) -> [(String, String)] {
        [
            ("statement_timeout", "\((timeout ?? statementTimeout).milliseconds)"),
            ("application_name", "mpimd"),
        ]
    }

    /// The pool's configuration.
    func clientConfiguration() throws(PostgresURLError) -> PostgresClient.Configuration {
        let location = try PostgresURL(url)
        var configuration = PostgresClient.Configuration(
            host: location.host, port: location.port, username: location.user, password: location.password,
            database: location.database, tls: location.sslMode.clientTLS)
        configuration.options.connectTimeout = connectTimeout
        configuration.options.maximumConnections = max(1, poolSize)
        configuration.options.additionalStartupParameters = startupParameters()
        return configuration
    }

    /// One connection's configuration, for the connections made apart from
    /// the pool: the message writer's, and the first one `open` makes itself
    /// (the pool retries failed connections quietly, so its errors, refused,
    /// bad password, no such database, would never be seen), which migrates
    /// the schema with `statementTimeout` instead: a migration may rebuild a
    /// large table's index.
    func connectionConfiguration(statementTimeout timeout: Duration? = nil) throws(PostgresURLError)
        -> PostgresConnection.Configuration
    {
        let location = try PostgresURL(url)
        var configuration = PostgresConnection.Configuration(
            host: location.host, port: location.port, username: location.user, password: location.password,
            database: location.database, tls: try location.sslMode.connectionTLS())
        configuration.options.connectTimeout = .milliseconds(connectTimeout.milliseconds)
        configuration.options.additionalStartupParameters = startupParameters(statementTimeout: timeout)
        return configuration
    }

    /// Throws the reason `url` is not a PostgreSQL URL this client can use.
    public static func validate(url: String) throws(PostgresURLError) {
        _ = try PostgresURL(url)
    }

    /// The URL with its password replaced, for messages and logs.
    public var redactedURL: String {
        (try? PostgresURL(url).redacted) ?? "(an invalid PostgreSQL URL)"
    }
}

extension Duration {
    /// Whole milliseconds, at least 1 (a PostgreSQL timeout of 0 means none).
    var milliseconds: Int64 {
        let (seconds, attoseconds) = components
        return max(1, seconds * 1000 + attoseconds / 1_000_000_000_000_000)
    }
}
