import Foundation
import Testing
@testable import MPIMDaemon
import ServicesRPC

@Suite("Configuration")
struct ConfigurationTests {
    private func load(_ text: String, path: String = "t.conf", flags: [FlagValue] = []) throws(ConfigurationError)
        -> LoadedConfiguration
    {
        try DaemonConfiguration.load(file: (path, text), flags: flags)
    }

    /// The one line a bad value produces.
    private func refusal(_ text: String?, flags: [FlagValue] = []) -> ConfigurationError? {
        do {
            _ = try DaemonConfiguration.load(file: text.map { ("bad.conf", $0) }, flags: flags)
            return nil
        } catch {
            return error
        }
    }

    @Test("INI: sections, comments, inline comments, case-insensitive keys, line numbers")
    func ini() throws {
        let file = try INIFile(parsing: """
            ; comment
            # another
            [Gateway]
            Port = 9000 ; the port
            gateway_id=gw-x
            [sqlite]
            path = /tmp/a;b.db
            """)
        #expect(file["gateway", "port"] == "9000")
        #expect(file.entry("gateway", "port")?.line == 4)
        #expect(file["gateway", "gateway_id"] == "gw-x")
        #expect(file["sqlite", "path"] == "/tmp/a;b.db")
        #expect(throws: INIFile.SyntaxError.self) { try INIFile(parsing: "[gateway]\njust words\n") }
    }

    @Test("the shipped etc/mpimd.conf is valid and sets every key to its built-in default")
    func shippedFile() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let text = try String(contentsOf: root.appendingPathComponent("etc/mpimd.conf"), encoding: .utf8)
        let fromFile = try load(text)
        let defaults = try DaemonConfiguration.load(file: nil, flags: [])
        #expect(fromFile.effectiveLines.map { $0.replacingOccurrences(of: "(file)", with: "(default)") }
            == defaults.effectiveLines)
        // Every key but the commented-out ones is in the shipped file.
        let unset = ConfigurationKey.all.map(\.qualifiedName).filter { fromFile.sources[$0] != .file }
        #expect(unset == ["http.host", "http.admin_token", "web.host", "web.allowed_origins", "services.serve",
                          "services.users", "services.groups"])
    }

    @Test("the web listener is off unless a port is set; its origins are checked")
    func webKeys() throws {
        #expect(try DaemonConfiguration.load(file: nil, flags: []).configuration.webPort == nil)
        let on = try DaemonConfiguration.load(file: nil, flags: [FlagValue("--web-port", "0")]).configuration
        #expect(on.webPort == 0)
        let file = try load("[web]\nport = 8088\nallowed_origins = https://a.example *\n").configuration
        #expect(file.webPort == 8088 && file.webAllowedOrigins == ["https://a.example", "*"])
        #expect(throws: ConfigurationError.self) { _ = try load("[web]\nallowed_origins = a.example\n") }
        #expect(throws: ConfigurationError.self) { _ = try load("[web]\nport = on\n") }
    }

    @Test("keys override defaults, flags override keys, and each value says where it came from")
    func layering() throws {
        let loaded = try load(
            "[redis_queue]\nport = 7000\n[users]\nbcrypt_cost = 4\n[log]\nlevel = DEBUG\n[sqlite]\nwal_restart_mb = 16\n"
                + "[gateway]\nport = 9000\nidle_timeout = 2.5\n",
            flags: [FlagValue("--port", "0"), FlagValue("--redis-host", "10.1.2.3")])
        let settings = loaded.configuration
        #expect(settings.database.walRestartBytes == 16 << 20)
        #expect(settings.redisQueue.port == 7000)
        #expect(settings.redisCache.port == 6379)
        #expect(settings.redisQueue.host == "10.1.2.3" && settings.redisCache.host == "10.1.2.3")
        #expect(settings.bcryptCost == 4)
        #expect(settings.logLevel == .debug)
        #expect(settings.gateway.port == 0)
        #expect(settings.gateway.idleTimeout == .milliseconds(2500))
        let lines = loaded.effectiveLines
        #expect(lines.contains("gateway.port = 0 (flag)"))
        #expect(lines.contains("gateway.idle_timeout = 2.5 (file)"))
        #expect(lines.contains("redis_queue.port = 7000 (file)"))
        #expect(lines.contains("redis_cache.host = 10.1.2.3 (flag)"))
        #expect(lines.contains("sqlite.wal_restart_mb = 16 (file)"))
        #expect(lines.contains("gateway.route_ttl = 120 (default)"))
        #expect(lines.contains("http.host = 127.0.0.1 (default)"))
        #expect(lines.count == ConfigurationKey.all.count)
    }

    @Test("[sqlite] synchronous is normal unless told, full when asked, and nothing else")
    func sqliteSynchronous() throws {
        #expect(try load("").configuration.database.synchronous == .normal)
        let full = try load("[sqlite]\nsynchronous = full\n")
        #expect(full.configuration.database.synchronous == .full)
        #expect(full.effectiveLines.contains("sqlite.synchronous = full (file)"))
        #expect(throws: ConfigurationError.self) { _ = try load("[sqlite]\nsynchronous = off\n") }
    }

    @Test("the storage backend is sqlite unless told; postgres takes a URL whose password is never printed")
    func storageKeys() throws {
        #expect(try DaemonConfiguration.load(file: nil, flags: []).configuration.storageBackend == .sqlite)
        let loaded = try load("""
            [storage]
            backend = postgres
            [postgres]
            url = postgres://mpim:hunter2@db.example:5433/chat
            pool_size = 16
            statement_timeout_ms = 1500
            """)
        #expect(loaded.configuration.storageBackend == .postgres)
        #expect(loaded.configuration.postgres.url == "postgres://mpim:hunter2@db.example:5433/chat")
        #expect(loaded.configuration.postgres.poolSize == 16)
        #expect(loaded.configuration.postgres.statementTimeout == .milliseconds(1500))
        #expect(loaded.effectiveLines.contains("postgres.url = postgres://mpim:***@db.example:5433/chat (file)"))
        #expect(!loaded.effectiveLines.joined().contains("hunter2"))
        let flags = try DaemonConfiguration.load(file: nil, flags: [
            FlagValue("--storage", "postgres"), FlagValue("--postgres-url", "postgresql://u@h/d"),
        ]).configuration
        #expect(flags.storageBackend == .postgres && flags.postgres.url == "postgresql://u@h/d")
        #expect(refusal("[storage]\nbackend = mysql\n")?.description.contains("must be sqlite or postgres") == true)
        #expect(refusal("[postgres]\nurl = db.example:5432\n")?.description.contains("must be a URL such as") == true)
    }

    @Test("services run in process unless told; a services process serves them on gRPC; a gateway names where they run")
    func servicesKeys() throws {
        let defaults = try DaemonConfiguration.load(file: nil, flags: []).configuration.services
        #expect(defaults.serve.isEmpty && defaults.users == nil && defaults.groups == nil)
        #expect(defaults.grpcHost == "127.0.0.1" && defaults.grpcPort == 50051 && defaults.deadline == .seconds(2))
        let serving = try DaemonConfiguration.load(file: nil, flags: [
            FlagValue("--serve", "users, GROUPS"), FlagValue("--grpc-port", "0"),
        ])
        #expect(serving.configuration.services.serve == [.users, .groups])
        #expect(serving.configuration.services.grpcPort == 0)
        #expect(serving.effectiveLines.contains("services.serve = users,groups (flag)"))
        let gateway = try load("[services]\nusers = 10.0.0.5:7000\ngroups = [::1]:7001\ndeadline_ms = 500\n")
        #expect(gateway.configuration.services.users == ServiceAddress(host: "10.0.0.5", port: 7000))
        #expect(gateway.configuration.services.groups == ServiceAddress(host: "::1", port: 7001))
        #expect(gateway.configuration.services.deadline == .milliseconds(500))
        #expect(gateway.effectiveLines.contains("services.groups = [::1]:7001 (file)"))
        #expect(try load("").effectiveLines.contains("services.users = (in process) (default)"))
        #expect(refusal("[services]\nserve = messaging\n")?.description
            == "bad.conf:2: [services] serve = messaging: must be users, groups or both (users,groups), or empty for a gateway")
        #expect(refusal("[services]\nusers = 10.0.0.5\n")?.description.contains("must be host:port") == true)
        #expect(refusal("[services]\ngroups = h:70000\n")?.description.contains("must be host:port") == true)
        #expect(refusal("[services]\ngrpc_host = localhost\n")?.description.contains("must be an IPv4 or IPv6 address") == true)
        let both = refusal("[services]\nserve = users\ngroups = 127.0.0.1:7000\n")
        #expect(both?.description == "bad.conf:3: [services] groups = 127.0.0.1:7000: a process that serves users runs "
            + "no gateway and calls no remote service; set [services] groups on the gateways")
        #expect(both?.exitStatus == 78)
        let byFlag = refusal(nil, flags: [FlagValue("--serve", "users,groups"), FlagValue("--users", "127.0.0.1:7000")])
        #expect(byFlag?.description.hasPrefix("--users 127.0.0.1:7000: a process that serves users,groups") == true)
        #expect(byFlag?.exitStatus == 64)
    }

    @Test("the admin token is never printed")
    func secret() throws {
        let lines = try load("[http]\nadmin_token = s3cret-token\n").effectiveLines
        #expect(lines.contains("http.admin_token = (set, 12 characters) (file)"))
        #expect(!lines.joined().contains("s3cret"))
    }

    @Test("a bad flag is named with its value and what it must be; status 64")
    func badFlags() {
        let port = refusal(nil, flags: [FlagValue("--port", "99999")])
        #expect(port?.description == "--port 99999: must be a whole number 0–65535 (0 picks a free port)")
        #expect(port?.exitStatus == 64)
        #expect(refusal(nil, flags: [FlagValue("--log-level", "loud")])?.description
            == "--log-level loud: must be trace, debug, info, notice, warning, error or critical")
        #expect(refusal(nil, flags: [FlagValue("--gateway-id", "gw 1")])?.description
            == "--gateway-id gw 1: must be 1–64 of A-Z a-z 0-9 _ . -")
        #expect(refusal(nil, flags: [FlagValue("--route-ttl", "0")])?.exitStatus == 64)
        #expect(refusal(nil, flags: [FlagValue("--redis-port", "0")])?.exitStatus == 64)
        #expect(refusal(nil, flags: [FlagValue("--host", "")])?.exitStatus == 64)
    }

    @Test("a bad file value is named with file, line, section, key and value; status 78")
    func badValues() {
        let port = refusal("; mpimd\n\n[gateway]\nport = 99999\n")
        #expect(port?.description == "bad.conf:4: [gateway] port = 99999: must be a whole number 0–65535 (0 picks a free port)")
        #expect(port?.exitStatus == 78)
        #expect(refusal("[gateway]\nport = eighty\n")?.description.hasPrefix("bad.conf:2: [gateway] port = eighty: must be") == true)
        #expect(refusal("[log]\nlevel = loud\n")?.description
            == "bad.conf:2: [log] level = loud: must be trace, debug, info, notice, warning, error or critical")
        #expect(refusal("[sqlite]\nwal_restart_mb = 0\n")?.description == "bad.conf:2: [sqlite] wal_restart_mb = 0: must be a whole number 1–65536 MiB")
        #expect(refusal("[gateway]\nidle_timeout = 5m\n")?.description == "bad.conf:2: [gateway] idle_timeout = 5m: must be 0.1–86400 seconds")
        #expect(refusal("[gateway]\nidle_timeout = nan\n") != nil)
        #expect(refusal("[redis_queue]\nmode = kafka\n")?.description == "bad.conf:2: [redis_queue] mode = kafka: must be pubsub or stream")
        #expect(refusal("[redis_cache]\ncommand_timeout_ms = 0\n")?.description
            == "bad.conf:2: [redis_cache] command_timeout_ms = 0: must be a whole number 1–60000 ms")
        #expect(refusal("[http]\nadmin_token = two words\n")?.description == "bad.conf:2: [http] admin_token = two words: must not contain spaces")
    }

    @Test("misspelt sections and keys are refused with a suggestion")
    func unknownNames() {
        #expect(refusal("[gatewy]\nport = 8000\n")?.description == "bad.conf:1: unknown section [gatewy] (did you mean [gateway]?)")
        #expect(refusal("[gateway]\nprot = 8000\n")?.description == "bad.conf:2: unknown key [gateway] prot (did you mean port?)")
        #expect(refusal("[http]\nadmin_tokn = x\n")?.description == "bad.conf:2: unknown key [http] admin_tokn (did you mean admin_token?)")
        #expect(refusal("[gateway]\nadmin_token = x\n")?.description
            == "bad.conf:2: unknown key [gateway] admin_token (did you mean [http] admin_token?)")
        #expect(refusal("[gateway]\ncolour = blue\n")?.description == "bad.conf:2: unknown key [gateway] colour")
        #expect(refusal("[nonsense]\n")?.description == "bad.conf:1: unknown section [nonsense]")
        #expect(refusal("port = 8000\n")?.description == "bad.conf:1: port is outside any [section]")
        #expect(refusal("[gateway]\nport = 1\nport = 2\n")?.description == "bad.conf:3: [gateway] port is set twice (first on line 2)")
        #expect(refusal("[gateway]\njust words\n")?.description
            == #"bad.conf:2: cannot parse "just words": expected "key = value" or "[section]""#)
        #expect(refusal("[gateway]\nprot = 8000\n")?.exitStatus == 78)
    }

    @Test("a heartbeat renewed less often than it expires is refused")
    func heartbeat() {
        #expect(refusal("[presence]\nheartbeat_ttl = 10\nheartbeat_interval = 10\n")?.description
            == "bad.conf:3: [presence] heartbeat_interval = 10: must be shorter than [presence] heartbeat_ttl (10)")
        #expect(refusal("[presence]\nheartbeat_ttl = 2\n")?.description
            == "bad.conf:2: [presence] heartbeat_ttl = 2: must be longer than [presence] heartbeat_interval (3)")
        #expect(refusal("[presence]\nheartbeat_ttl = 1\nheartbeat_interval = 0.5\n") == nil)
    }

    @Test("an unreadable file is reported with the system's reason")
    func unreadable() throws {
        #expect(throws: ConfigurationError(origin: .file, description: "cannot read /nonexistent.conf: No such file or directory")) {
            _ = try DaemonConfiguration.readFile("/nonexistent.conf")
        }
        #expect(throws: ConfigurationError(origin: .file, description: "cannot read /tmp: Is a directory")) {
            _ = try DaemonConfiguration.readFile("/tmp")
        }
    }

    @Test("suggestions need a near miss")
    func suggestions() {
        #expect(Suggestion.closest(to: "prot", among: ["port", "host"]) == "port")
        #expect(Suggestion.closest(to: "colour", among: ["port", "host"]) == nil)
        #expect(Suggestion.distance("kitten", "sitting") == 3)
    }
}
