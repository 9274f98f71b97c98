import Foundation
import Synchronization
import TestSupport
import Testing

// How to run: `swift test --scratch-path .build-e2e --filter EndToEndTests`.
// Each test gets its own redis-server and mpimd(s) on free 127.0.0.1 ports in
// a temporary folder, removed afterwards unless MPIM_E2E_KEEP=1 (the daemon
// logs are `<folder>/gateway-<n>.log`). MPIMD=<path> picks another binary;
// MPIM_E2E_PARALLEL=<n> sets how many clusters run at once (default 3).
// MPIM_E2E_BACKEND=postgres stores in a database of its own per cluster on
// one private PostgreSQL server the test process starts (`make test` runs
// the suite once so). MPIM_E2E_SPLIT=1 runs Users and Groups in a services
// process of their own per cluster (`mpimd --serve users,groups`), which
// every gateway of the cluster calls over gRPC (`make test` runs the suite
// once so too).

/// One Redis and `gateways` daemons (`gateway-1`, `gateway-2`, …) sharing one
/// SQLite file (or PostgreSQL database), in a temporary folder. Made and torn down by `withCluster`.
final class TestCluster: Sendable {
    let directory: URL
    let redis: RedisServerProcess
    /// The services process, in split mode (`MPIM_E2E_SPLIT=1`); not among `daemons`.
    let services: DaemonProcess?
    /// What each gateway is told besides the usual: where the services process is.
    private let gatewayFlags: [String]
    private let started = Mutex<[DaemonProcess]>([])
    private let clients = Mutex<[LineClient]>([])

    var daemons: [DaemonProcess] { started.withLock { $0 } }

    private init(directory: URL, redis: RedisServerProcess, services: DaemonProcess?, gatewayFlags: [String]) {
        self.directory = directory
        self.redis = redis
        self.services = services
        self.gatewayFlags = gatewayFlags
    }

    fileprivate static func start(gateways: Int, config: DaemonConfig, flags: [String], split: Bool) async throws
        -> TestCluster
    {
        let directory = try makeTemporaryDirectory(prefix: "mpim-e2e")
        let redis: RedisServerProcess
        do {
            redis = try await RedisServerProcess.start(in: directory)
        } catch {
            try? FileManager.default.removeItem(at: directory)
            throw error
        }
        var config = config
        for section in ["redis_queue", "redis_cache"] {
            config[section, "host"] = "127.0.0.1"
            config[section, "port"] = "\(redis.port)"
        }
        let configFile = directory.appendingPathComponent("mpimd.conf")
        let database = directory.appendingPathComponent("mpim.db")
        var services: DaemonProcess?
        var gatewayFlags: [String] = []
        do {
            if DaemonConfig.backend == "postgres" {
                config["storage", "backend"] = "postgres"
                config["postgres", "url"] = try await PostgresServerProcess.shared().createDatabase()
            }
            try config.text.write(to: configFile, atomically: false, encoding: .utf8)
            if split {
                // A fixed port, so that the process comes back where the gateways look for it.
                let port = try freeLoopbackPort()
                services = try await DaemonProcess.start(
                    gatewayID: "services", redisPort: redis.port, database: database, configFile: configFile,
                    directory: directory, extraFlags: ["--serve", "users,groups", "--grpc-port", "\(port)"])
                gatewayFlags = ["--users", "127.0.0.1:\(port)", "--groups", "127.0.0.1:\(port)"]
            }
        } catch {
            await redis.stop()
            try? FileManager.default.removeItem(at: directory)
            throw error
        }
        let cluster = TestCluster(directory: directory, redis: redis, services: services, gatewayFlags: gatewayFlags)
        do {
            for n in 1...gateways {
                let daemon = try await DaemonProcess.start(
                    gatewayID: "gateway-\(n)", redisPort: redis.port, database: cluster.database,
                    configFile: configFile, directory: directory, extraFlags: gatewayFlags + flags)
                cluster.started.withLock { $0.append(daemon) }
            }
        } catch {
            await cluster.tearDown()
            throw error
        }
        return cluster
    }

    var database: URL { directory.appendingPathComponent("mpim.db") }

    /// The config file every daemon of the cluster reads.
    var configFile: URL { directory.appendingPathComponent("mpimd.conf") }

    /// Starts one more daemon on the cluster's Redis and database; it is
    /// stopped with the others.
    func startDaemon(gatewayID: String) async throws -> DaemonProcess {
        let daemon = try await DaemonProcess.start(
            gatewayID: gatewayID, redisPort: redis.port, database: database, configFile: configFile,
            directory: directory, extraFlags: gatewayFlags)
        started.withLock { $0.append(daemon) }
        return daemon
    }

    /// A new connection to daemon `gateway` (0-based), greeting read.
    func client(_ gateway: Int = 0) async throws -> LineClient {
        let daemon = daemons[gateway]
        let client = try await LineClient.connect(port: daemon.port, label: daemon.gatewayID)
        clients.withLock { $0.append(client) }
        return client
    }

    /// A new WebSocket session on daemon `gateway`'s web listener, greeting read.
    func webClient(_ gateway: Int = 0, origin: String? = nil) async throws -> LineClient {
        let daemon = daemons[gateway]
        guard let port = await daemon.webPort() else { throw TestFailure("\(daemon.gatewayID) logged no web listener") }
        let client = try await LineClient.connectWebSocket(port: port, origin: origin, label: "\(daemon.gatewayID)/ws")
        clients.withLock { $0.append(client) }
        return client
    }

    /// A new connection with a freshly registered user on it.
    func registeredClient(_ gateway: Int = 0, prefix: String = "u")
        async throws -> (client: LineClient, name: String, uid: Int) {
        let client = try await self.client(gateway)
        let (name, uid) = try await client.register(uniqueName(prefix))
        return (client, name, uid)
    }

    /// The tails of every daemon's log and of Redis's.
    func logTails() -> String {
        (daemons.map { $0.logTail() } + (services.map { [$0.logTail(lines: 10)] } ?? []) + [logTail(redis.log, lines: 5)])
            .joined(separator: "\n")
    }

    fileprivate func tearDown() async {
        for client in clients.withLock({ $0 }) { client.close() }
        for daemon in daemons { await daemon.stop() }
        await services?.stop()
        await redis.stop()
        if !keepTemporaryFiles {
            try? FileManager.default.removeItem(at: directory)
        }
    }
}

/// Runs `body` against a fresh cluster and always stops every process it
/// started, by pid. An error thrown by `body` comes back with the log tails.
/// `split`: Users and Groups in a services process of their own (by default
/// as `MPIM_E2E_SPLIT` says).
func withCluster(gateways: Int = 1, config: DaemonConfig = DaemonConfig(), flags: [String] = [],
                 split: Bool = DaemonConfig.split, _ body: (TestCluster) async throws -> Void) async throws {
    await clusterSlots.acquire()
    do {
        let cluster = try await TestCluster.start(gateways: gateways, config: config, flags: flags, split: split)
        do {
            try await body(cluster)
        } catch let failed as ExpectationFailedError {  // a failed #require, recorded with its values
            await cluster.tearDown()
            throw failed
        } catch {
            let failure = TestFailure("\(error)\n\(cluster.logTails())")
            await cluster.tearDown()
            throw failure
        }
        await cluster.tearDown()
    } catch {
        await clusterSlots.release()
        throw error
    }
    await clusterSlots.release()
}

extension LineClient {
    /// `REGISTER name password`, which must answer `+OK uid=<n>`.
    @discardableResult
    func register(_ name: String = uniqueName(), password: String = "pw123") async throws -> (name: String, uid: Int) {
        let reply = try await cmd("REGISTER \(name) \(password)")
        guard reply.hasPrefix("+OK uid="), let uid = intField(reply, "uid") else {
            throw failure("REGISTER \(name) \(password) answered \"\(reply)\", expected \"+OK uid=<n>\"")
        }
        return (name, uid)
    }

    /// `LOGIN name password [device]`, which must answer `+OK uid=<n>`.
    @discardableResult
    func login(_ name: String, password: String = "pw123", device: String? = nil) async throws -> Int {
        let line = "LOGIN \(name) \(password)" + (device.map { " \($0)" } ?? "")
        let reply = try await cmd(line)
        guard reply.hasPrefix("+OK uid="), let uid = intField(reply, "uid") else {
            throw failure("\(line) answered \"\(reply)\", expected \"+OK uid=<n>\"")
        }
        return uid
    }

    /// `SEND to text`, which must answer `+OK msg_id=<n>`; returns the id.
    func sendMessage(to uid: Int, _ text: String, timeout: Duration = defaultTimeout) async throws -> Int {
        let reply = try await cmd("SEND \(uid) \(text)", timeout: timeout)
        guard reply.hasPrefix("+OK msg_id="), let id = intField(reply, "msg_id") else {
            throw failure("SEND \(uid) \(text) answered \"\(reply)\", expected \"+OK msg_id=<n>\"")
        }
        return id
    }

    /// `PULL`, which must end in `+OK pull_done`; returns its data lines.
    func pull() async throws -> [String] {
        let (data, final) = try await multi("PULL")
        guard final.hasPrefix("+OK pull_done") else {
            throw failure("PULL ended with \"\(final)\" (data \(data)), expected \"+OK pull_done\"")
        }
        return data
    }
}

/// How many clusters run at once (`MPIM_E2E_PARALLEL`, default 3): swift-testing
/// starts every test together, and a 2-core machine cannot start 40 daemons at once
/// without blowing the 5 s reply timeouts.
private let clusterSlots = AsyncSlots(
    Int(ProcessInfo.processInfo.environment["MPIM_E2E_PARALLEL"] ?? "") ?? 3)

private actor AsyncSlots {
    private var free: Int
    private var waiting: [CheckedContinuation<Void, Never>] = []

    init(_ count: Int) {
        free = max(1, count)
    }

    func acquire() async {
        if free > 0 {
            free -= 1
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    func release() {
        if waiting.isEmpty {
            free += 1
        } else {
            waiting.removeFirst().resume()
        }
    }
}
