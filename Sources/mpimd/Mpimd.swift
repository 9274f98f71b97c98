import ArgumentParser
import Foundation
import Logging
import MPIMCore
import MPIMDaemon
import Metrics
import Prometheus

/// `mpimd`: parses flags and the config file, then runs the service group.
@main
struct Mpimd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mpimd", abstract: "The mpim instant-messaging daemon.", version: MPIMVersion.current)

    @Option(help: "Config file (INI). Default: etc/mpimd.conf when it exists.")
    var config: String?
    @Option(help: "Gateway bind address.")
    var host: String?
    @Option(help: "Gateway port; 0 picks a free one.")
    var port: Int?
    @Option(name: .customLong("gateway-id"), help: "This gateway's id in the cluster.")
    var gatewayID: String?
    @Option(help: "Redis host (queue and cache roles).")
    var redisHost: String?
    @Option(help: "Redis port (queue and cache roles).")
    var redisPort: Int?
    @Option(help: "SQLite database path.")
    var db: String?
    @Option(help: "HTTP port for metrics and admin; 0 picks a free one.")
    var httpPort: Int?
    @Option(help: "Route TTL in seconds.")
    var routeTtl: Int?
    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: Logger.Level?

    func run() async throws {
        let settings = try loadConfiguration()
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
        let daemon = try await buildDaemon(settings, logger: logger, metrics: metrics)
        try await daemon.serviceGroup.run()
    }

    private func loadConfiguration() throws -> DaemonConfiguration {
        var settings = DaemonConfiguration()
        let path = config ?? (FileManager.default.fileExists(atPath: "etc/mpimd.conf") ? "etc/mpimd.conf" : nil)
        if let path {
            do {
                try settings.apply(INIFile(parsing: String(contentsOfFile: path, encoding: .utf8)))
            } catch {
                throw ValidationError("\(path): \(error)")
            }
        }
        if let host { settings.gateway.host = host }
        if let port { settings.gateway.port = port }
        if let gatewayID { settings.gateway.gatewayID = gatewayID }
        if let redisHost {
            settings.redisQueue.host = redisHost
            settings.redisCache.host = redisHost
        }
        if let redisPort {
            settings.redisQueue.port = redisPort
            settings.redisCache.port = redisPort
        }
        if let db { settings.database.path = db }
        if let httpPort { settings.httpPort = httpPort }
        if let routeTtl {
            guard routeTtl > 0 else { throw ValidationError("--route-ttl must be positive") }
            settings.routeTTL = .seconds(routeTtl)
        }
        if let logLevel { settings.logLevel = logLevel }
        return settings
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}
