import ArgumentParser
import Foundation
import Logging
import MPIMCore
import MPIMDaemon
import Metrics
import Prometheus

/// `mpimd`: parses flags and the config file, then runs the service group.
///
/// Every value is checked before anything starts; a bad one ends the process
/// with one line on stderr (`mpimd: --port 99999: must be …`) and status 64
/// (flags) or 78 (config file). Flags are taken as text here so that one
/// checker, `DaemonConfiguration.load`, judges them and the file alike.
@main
struct Mpimd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mpimd", abstract: "The mpim instant-messaging daemon.", version: MPIMVersion.current)

    @Option(help: "Config file (INI). Default: etc/mpimd.conf when it exists.")
    var config: String?
    @Flag(name: .customLong("check-config"),
          help: "Print the effective configuration (section.key = value (source)) and exit: 0 if valid, 78 if not.")
    var checkConfig = false
    @Option(help: "Gateway bind address.")
    var host: String?
    @Option(help: "Gateway port; 0 picks a free one.")
    var port: String?
    @Option(name: .customLong("gateway-id"), help: "This gateway's id in the cluster.")
    var gatewayID: String?
    @Option(help: "Redis host (queue and cache roles).")
    var redisHost: String?
    @Option(help: "Redis port (queue and cache roles).")
    var redisPort: String?
    @Option(help: "Where the stores live: sqlite (the default) or postgres.")
    var storage: String?
    @Option(name: .customLong("postgres-url"), help: "PostgreSQL URL, for --storage postgres.")
    var postgresUrl: String?
    @Option(help: "SQLite database path.")
    var db: String?
    @Option(help: "HTTP port for metrics and admin; 0 picks a free one.")
    var httpPort: String?
    @Option(help: "Web listener port (the web client and WebSocket sessions); 0 picks a free one; off by default.")
    var webPort: String?
    @Option(help: "Route TTL in seconds.")
    var routeTtl: String?
    @Option(help: "Run only these services (users, groups or users,groups) behind a gRPC server, no gateway.")
    var serve: String?
    @Option(name: .customLong("grpc-port"), help: "The gRPC port of a services process (--serve); 0 picks a free one.")
    var grpcPort: String?
    @Option(help: "host:port of the services process that runs Users (default: in this process).")
    var users: String?
    @Option(help: "host:port of the services process that runs Groups (default: in this process).")
    var groups: String?
    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String?

    static func main() async {
        let command: Mpimd
        do {
            guard let parsed = try parseAsRoot() as? Mpimd else { throw CleanExit.helpRequest() }
            command = parsed
        } catch {
            // --help and --version print and exit 0 as ArgumentParser does.
            if exitCode(for: error) == .success { exit(withError: error) }
            fail(message(for: error), status: 64)
        }
        await command.start()
    }

    private func start() async {
        let loaded: LoadedConfiguration
        do {
            loaded = try DaemonConfiguration.load(file: DaemonConfiguration.readFile(config), flags: flagValues)
        } catch {
            Self.fail(error.description, status: error.exitStatus)
        }
        if checkConfig {
            print(loaded.effectiveLines.joined(separator: "\n"))
            return
        }
        let settings = loaded.configuration
        let level = settings.logLevel
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let metrics = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(CataloguedMetricsFactory(registry: metrics))
        var logger = Logger(label: "mpimd")
        logger.logLevel = level
        do {
            let daemon = try await buildDaemon(settings, logger: logger, metrics: metrics)
            try await daemon.serviceGroup.run()
        } catch {
            Self.fail("\(error)", status: 1)
        }
    }

    /// The flags given, in the order the checker applies them.
    private var flagValues: [FlagValue] {
        let given: [(String, String?)] = [
            ("--host", host), ("--port", port), ("--gateway-id", gatewayID), ("--redis-host", redisHost),
            ("--redis-port", redisPort), ("--storage", storage), ("--postgres-url", postgresUrl), ("--db", db),
            ("--http-port", httpPort), ("--web-port", webPort), ("--route-ttl", routeTtl),
            ("--serve", serve), ("--grpc-port", grpcPort), ("--users", users), ("--groups", groups),
            ("--log-level", logLevel),
        ]
        return given.compactMap { flag, value in value.map { FlagValue(flag, $0) } }
    }

    /// One line on stderr, then exit.
    private static func fail(_ message: String, status: Int32) -> Never {
        let line = message.split(whereSeparator: \.isNewline).joined(separator: "; ")
        FileHandle.standardError.write(Data("mpimd: \(line)\n".utf8))
        Foundation.exit(status)
    }
}
