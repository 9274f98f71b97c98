// swift-tools-version:6.1
import PackageDescription

// The target list is the architecture: one library per module, a composition
// root (`MPIMDaemon`) that wires them, and a thin `mpimd` executable.
let package = Package(
    name: "mpim",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "mpimd", targets: ["mpimd"]),
        .executable(name: "mpim-bench", targets: ["mpim-bench"]),
        .executable(name: "mpim", targets: ["mpim"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.0.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift.git", from: "0.2.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-protobuf.git", from: "1.39.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/grpc/grpc-swift-2.git", from: "2.4.3"),
        .package(url: "https://github.com/grpc/grpc-swift-nio-transport.git", from: "2.9.2"),
        .package(url: "https://github.com/grpc/grpc-swift-protobuf.git", from: "2.4.1"),
    ],
    targets: [
        // Shared vocabulary: ids, messages, pushes, the error enum.
        .target(name: "MPIMCore"),

        // The services' contracts: every service's protocol and value types.
        // Callers (the gateway, other services) see only these; the
        // composition root picks the implementations.
        .target(name: "MPIMServices", dependencies: ["MPIMCore"]),

        // Handing work between threads: ordered batching stages (async, and on a
        // dedicated thread for blocking work) and the condition lock under them.
        .target(name: "WorkQueues"),

        // hiredis, the blocking C client, behind a thread-per-connection wrapper.
        .systemLibrary(
            name: "CHiredis",
            pkgConfig: "hiredis",
            providers: [.apt(["libhiredis-dev"])]
        ),
        .target(
            name: "RedisClient",
            dependencies: [
                "CHiredis", "WorkQueues",
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // Cache-aside entries in Redis (the cache role, apart from routes and pub/sub).
        .target(
            name: "Cache",
            dependencies: [
                "RedisClient",
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // SQLite through GRDB (stands in for MySQL): the shared plumbing of the
        // services' stores (the file, its pool and migrations, the checkpointer).
        // A VFS joining each commit's write-ahead-log writes into one write(2).
        .target(
            name: "CSQLiteWALBatching",
            linkerSettings: [.linkedLibrary("sqlite3")]
        ),
        .target(
            name: "Storage",
            dependencies: [
                "MPIMCore", "WorkQueues", "CSQLiteWALBatching",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),

        // PostgreSQL through postgres-nio: the shared plumbing of the services'
        // stores on it (the pool, its configuration and timeouts, migrations
        // under an advisory lock, the health probe, error mapping).
        .target(
            name: "PostgresStorage",
            dependencies: [
                "MPIMCore",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),

        // Domain services: each implements its contract from MPIMServices over
        // a store protocol of its own, which a backend target implements.
        .target(
            name: "Users",
            dependencies: [
                "MPIMCore", "MPIMServices", "Cache",
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The gateways' bus speaks protobuf: `Delivery/Protos` holds the contract
        // (`make proto` regenerates `Delivery/Generated` from it; the generated
        // Swift is committed, so a build needs no protoc).
        .target(
            name: "Presence",
            dependencies: [
                "MPIMCore", "MPIMServices", "RedisClient", "WorkQueues",
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            exclude: ["Delivery/Protos"]
        ),
        .target(
            name: "Groups",
            dependencies: [
                "MPIMCore", "MPIMServices", "Cache",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "Messaging",
            dependencies: [
                "MPIMCore", "MPIMServices", "WorkQueues",
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),

        // Each service's store on SQLite: its tables, migrations and queries.
        .target(name: "UsersSQLite", dependencies: storeDependencies("Users")),
        .target(name: "GroupsSQLite", dependencies: storeDependencies("Groups")),
        .target(name: "MessagingSQLite", dependencies: storeDependencies("Messaging")),

        // Each service's store on PostgreSQL: the same contract, its own tables and statements.
        .target(name: "UsersPostgres", dependencies: postgresStoreDependencies("Users")),
        .target(name: "GroupsPostgres", dependencies: postgresStoreDependencies("Groups")),
        .target(name: "MessagingPostgres", dependencies: postgresStoreDependencies("Messaging")),

        // The line protocol's codec, one for all who speak it (gateway, client, bench,
        // tests): framing lines off a byte stream and reading fields of server lines.
        .target(
            name: "MPIMLineCodec",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
            ]
        ),

        // The TCP line protocol.
        .target(
            name: "Gateway",
            dependencies: [
                "MPIMCore", "MPIMServices", "MPIMLineCodec",
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),

        // The listener for browsers: the web client's files over Hummingbird, the
        // line protocol over NIO's WebSocket, each socket a session of the gateway.
        .target(
            name: "WebGateway",
            dependencies: [
                "Gateway", "Operations", "MPIMLineCodec",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "NIOHTTPTypesHTTP1", package: "swift-nio-extras"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            resources: [.copy("Public")]
        ),

        // The HTTP listener for operators (metrics, health, admin) on Hummingbird.
        .target(
            name: "Operations",
            dependencies: [
                "MPIMCore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),

        // Users and Groups over gRPC: `Protos` holds the contracts (`make proto`
        // regenerates `Generated`, committed); a server adapter per service
        // wrapping any implementation of its Swift contract, and a client per
        // service implementing that same contract, so callers cannot tell a
        // remote service from one in process; the gRPC health service.
        .target(
            name: "ServicesRPC",
            dependencies: [
                "MPIMCore", "MPIMServices",
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2Posix", package: "grpc-swift-nio-transport"),
                .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            exclude: ["Protos"]
        ),

        // Composition root: configuration and the service group.
        .target(
            name: "MPIMDaemon",
            dependencies: [
                "MPIMCore", "MPIMServices", "RedisClient", "Cache", "Storage", "Users", "Groups", "Presence", "Messaging",
                "UsersSQLite", "GroupsSQLite", "MessagingSQLite", "Gateway", "WebGateway", "WorkQueues",
                "Operations", "ServicesRPC", "PostgresStorage", "UsersPostgres", "GroupsPostgres", "MessagingPostgres",
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(
            name: "mpimd",
            dependencies: [
                "MPIMDaemon", "MPIMCore",
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // The terminal chat client: a line-protocol connection library and the `mpim` executable.
        .target(
            name: "MPIMClient",
            dependencies: [
                "MPIMLineCodec",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .executableTarget(
            name: "mpim",
            dependencies: [
                "MPIMClient",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),

        // The load generator: speaks only the public line protocol, imports none of the daemon's
        // modules (the line codec is the protocol's, not the daemon's).
        .executableTarget(
            name: "mpim-bench",
            dependencies: [
                "MPIMLineCodec",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ]
        ),

        // What the test targets share: child processes started by pid, a private
        // redis-server, a line client, temporary folders, bounded waits.
        .target(
            name: "TestSupport",
            dependencies: [
                "MPIMLineCodec", "PostgresStorage",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
            ],
            path: "Tests/TestSupport"
        ),
        // The seams between modules, read from the sources' imports.
        .testTarget(name: "ArchitectureTests"),
        .testTarget(name: "MPIMCoreTests", dependencies: ["MPIMCore"]),
        .testTarget(
            name: "RedisClientTests",
            dependencies: ["RedisClient", "TestSupport"]
        ),
        // In-memory fakes of the service contracts, for tests of one module at its seams.
        .target(
            name: "ServiceFakes",
            dependencies: ["MPIMCore", "MPIMServices"],
            path: "Tests/ServiceFakes"
        ),
        .testTarget(
            name: "GatewayTests",
            dependencies: [
                "Gateway", "MPIMCore", "MPIMServices", "ServiceFakes", "TestSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "MPIMLineCodecTests",
            dependencies: [
                "MPIMLineCodec",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOTestUtils", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "CacheTests",
            dependencies: ["Cache", "RedisClient", "TestSupport", .product(name: "Logging", package: "swift-log")]
        ),
        .testTarget(
            name: "UsersTests",
            dependencies: [
                "Users", "UsersSQLite", "UsersPostgres", "Storage", "PostgresStorage", "Cache", "MPIMCore", "MPIMServices",
                "TestSupport",
                .product(name: "NIOPosix", package: "swift-nio"), .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "GroupsTests",
            dependencies: [
                "Groups", "GroupsSQLite", "GroupsPostgres", "Storage", "PostgresStorage", "Cache", "MPIMCore", "MPIMServices",
                "TestSupport",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "MessagingTests",
            dependencies: [
                "Messaging", "MessagingSQLite", "MessagingPostgres", "Storage", "PostgresStorage", "MPIMCore", "MPIMServices",
                "ServiceFakes", "TestSupport",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "PresenceTests",
            dependencies: ["Presence", "MPIMCore", "MPIMServices", "RedisClient", .product(name: "Logging", package: "swift-log")]
        ),
        .testTarget(
            name: "MPIMDaemonTests",
            dependencies: [
                "MPIMDaemon", "MPIMCore", "Storage", "UsersSQLite", "GroupsSQLite", "MessagingSQLite", "TestSupport",
                "ServicesRPC",
                "Users", "Groups", "Messaging",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        .testTarget(
            name: "OperationsTests",
            dependencies: [
                "Operations", "MPIMCore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "PostgresStorageTests",
            dependencies: [
                "PostgresStorage", "MPIMCore", "TestSupport",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "ServicesRPCTests",
            dependencies: [
                "ServicesRPC", "ServiceFakes", "MPIMCore", "MPIMServices",
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .testTarget(
            name: "WorkQueuesTests",
            dependencies: ["WorkQueues"]
        ),
        .testTarget(
            name: "StorageTests",
            dependencies: [
                "Storage", "MPIMCore", "TestSupport",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "EndToEndTests",
            dependencies: [
                "mpimd",  // built before the suite runs; the tests launch the binary
                "TestSupport",
            ]
        ),
        .testTarget(
            name: "MPIMClientTests",
            dependencies: [
                "MPIMClient",
                "mpim",  // built before the suite runs; the tests launch the binary
                "mpimd",
                "TestSupport",
            ]
        ),
        .testTarget(
            name: "BenchTests",
            dependencies: [
                "mpim-bench",
                "mpimd",  // built before the suite runs; the smoke test launches both binaries
                "TestSupport",
            ]
        ),
    ]
)

/// What a service's store backend on SQLite builds on: the service (for its
/// store protocol and value types) and the shared SQLite plumbing.
func storeDependencies(_ service: String) -> [Target.Dependency] {
    [
        .byName(name: service), "MPIMCore", "Storage",
        .product(name: "GRDB", package: "GRDB.swift"),
        .product(name: "GRDBSQLite", package: "GRDB.swift"),
        .product(name: "Logging", package: "swift-log"),
    ]
}

/// What a service's store backend on PostgreSQL builds on: the service (for
/// its store protocol and value types) and the shared PostgreSQL plumbing.
func postgresStoreDependencies(_ service: String) -> [Target.Dependency] {
    [
        .byName(name: service), "MPIMCore", "PostgresStorage",
        .product(name: "PostgresNIO", package: "postgres-nio"),
        .product(name: "NIOCore", package: "swift-nio"),
        .product(name: "Logging", package: "swift-log"),
    ]
}

// Release builds optimize across our own modules: without it, generic code
// called from another module of ours (the writer's `BatchingThread`, for
// one) runs unspecialized, looking up type metadata at run time on every
// message (Docs/BENCHMARKS.md, "Performance, round 2").
for target in package.targets where (target.type == .regular || target.type == .executable) && target.name != "CSQLiteWALBatching" {
    target.swiftSettings = (target.swiftSettings ?? []) + [
        .unsafeFlags(["-cross-module-optimization"], .when(configuration: .release)),
    ]
}
