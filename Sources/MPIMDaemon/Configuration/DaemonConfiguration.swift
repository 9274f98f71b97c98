import Cache
import Gateway
import Logging
import MPIMCore
import PostgresStorage
import Presence
import RedisClient
import Storage

/// Everything `mpimd` can be told, with the defaults of `etc/mpimd.conf`.
/// The keys that set each field are listed in `ConfigurationKeys.swift`.
public struct DaemonConfiguration: Sendable {
    /// The TCP listener (`[gateway]`).
    public var gateway = GatewayServer.Configuration()
    /// TTL of `route:<uid>` (`[gateway] route_ttl`, `--route-ttl`).
    public var routeTTL: Duration = .seconds(120)
    /// Devices one user may have logged in at once (`[presence] max_devices`).
    public var maxDevices = 5
    /// A gateway whose heartbeat is this old is dead (`[presence] heartbeat_ttl`).
    public var heartbeatTTL: Duration = .seconds(10)
    /// How often the heartbeat is renewed (`[presence] heartbeat_interval`).
    public var heartbeatInterval: Duration = .seconds(3)
    /// How deliveries reach other gateways (`[redis_queue] mode`: pubsub or stream).
    public var queueMode: GatewayQueueMode = .pubsub
    /// Approximate length cap of each gateway's stream (`[redis_queue] stream_maxlen`).
    public var streamMaxLength = 100_000
    /// Redis for routes and pub/sub (`[redis_queue]`).
    public var redisQueue = RedisConfiguration()
    /// Redis for cache-aside entries (`[redis_cache]`).
    public var redisCache = RedisConfiguration()
    /// Cache entry TTLs (`[redis_cache] user_info_ttl`, `friends_ttl`, `group_info_ttl`, `members_ttl`).
    public var cacheTTLs = CacheTTLs()
    /// Where every service's store lives (`[storage] backend`, `--storage`).
    public var storageBackend: StorageBackend = .sqlite
    /// The PostgreSQL server, when the backend is `postgres` (`[postgres]`).
    public var postgres = PostgresConfiguration(url: "postgres://mpim@127.0.0.1:5432/mpim")
    /// The SQLite file (`[sqlite]`).
    public var database = AppDatabase.Configuration()
    /// bcrypt cost (`[users] bcrypt_cost`).
    public var bcryptCost: UInt8 = 10
    /// Failed logins per name within `lockoutWindow` that lock it for `lockoutDuration`.
    public var lockoutFailures = 5
    public var lockoutWindow: Duration = .seconds(60)
    public var lockoutDuration: Duration = .seconds(60)
    /// How long a successful login spares the next one with the same
    /// password the bcrypt check (`[users] verified_login_seconds`; 0: never).
    public var verifiedLoginLifetime: Duration = .seconds(600)
    /// HTTP port for metrics and admin (`[http] port`, `--http-port`); 0 picks a free one.
    public var httpPort = 8080
    /// HTTP bind address (`[http] host`); the gateway's host when unset.
    public var httpHost: String?
    /// The web listener's port (`[web] port`, `--web-port`): the web client
    /// at `/` and WebSocket sessions at `/ws`; nil (`off`, the default) serves
    /// no web listener; 0 picks a free port.
    public var webPort: Int?
    /// The web listener's bind address (`[web] host`); the gateway's host when unset.
    public var webHost: String?
    /// Origins besides the web listener's own whose pages may open a socket
    /// (`[web] allowed_origins`, space-separated; `*` for any).
    public var webAllowedOrigins: [String] = []
    /// Bearer token for `/admin/*` (`[http] admin_token`); unset disables the admin API.
    public var adminToken: String?
    /// Where Users and Groups run (`[services]`).
    public var services = ServicesPlacement()
    /// Log level (`[log] level`).
    public var logLevel: Logger.Level = .info

    public init() {}
}
