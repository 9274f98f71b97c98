/// Where and how a ``RedisConnection`` or ``RedisSubscriber`` talks to Redis.
public struct RedisConfiguration: Sendable {
    /// Host name or IP address of the Redis server.
    public var host: String
    /// TCP port of the Redis server.
    public var port: Int
    /// Logical database, selected after every (re)connect when it is not 0.
    public var database: Int
    /// How long a TCP connect may take before the attempt counts as failed.
    public var connectTimeout: Duration
    /// Socket read/write timeout: a command whose reply does not start arriving within it fails with
    /// ``RedisError/timeout`` and the connection is reset.
    public var commandTimeout: Duration
    /// First delay between reconnect attempts; it doubles after each failure.
    public var reconnectBackoffMin: Duration
    /// Upper bound of the reconnect delay.
    public var reconnectBackoffMax: Duration
    /// How many commands may wait for the connection thread; beyond it calls fail with ``RedisError/overloaded``.
    public var maxQueuedCommands: Int
    /// Given with `CLIENT SETNAME` after every (re)connect, so `CLIENT LIST` shows whose connection it is.
    public var clientName: String?

    /// Creates a configuration; every parameter has a default suited to a local Redis.
    public init(
        host: String = "127.0.0.1", port: Int = 6379, database: Int = 0,
        connectTimeout: Duration = .seconds(1), commandTimeout: Duration = .seconds(1),
        reconnectBackoffMin: Duration = .milliseconds(50), reconnectBackoffMax: Duration = .seconds(2),
        maxQueuedCommands: Int = 100_000, clientName: String? = nil
    ) {
        self.host = host
        self.port = port
        self.database = database
        self.connectTimeout = connectTimeout
        self.commandTimeout = commandTimeout
        self.reconnectBackoffMin = reconnectBackoffMin
        self.reconnectBackoffMax = reconnectBackoffMax
        self.maxQueuedCommands = maxQueuedCommands
        self.clientName = clientName
    }

    /// `host:port`, as logged.
    var endpoint: String { "\(host):\(port)" }
}
