import Foundation
import Testing
@testable import MPIMDaemon

@Suite("Configuration")
struct ConfigurationTests {
    @Test("INI: sections, comments, inline comments, case-insensitive keys")
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
        #expect(file["gateway", "gateway_id"] == "gw-x")
        #expect(file["sqlite", "path"] == "/tmp/a;b.db")
        #expect(throws: INIFile.SyntaxError.self) { try INIFile(parsing: "[gateway]\njust words\n") }
    }

    @Test("the shipped etc/mpimd.conf parses and matches the built-in defaults")
    func shippedFile() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let text = try String(contentsOf: root.appendingPathComponent("etc/mpimd.conf"), encoding: .utf8)
        var fromFile = DaemonConfiguration()
        try fromFile.apply(INIFile(parsing: text))
        let defaults = DaemonConfiguration()
        #expect(fromFile.gateway.port == defaults.gateway.port)
        #expect(fromFile.gateway.gatewayID == defaults.gateway.gatewayID)
        #expect(fromFile.routeTTL == defaults.routeTTL)
        #expect(fromFile.database.path == defaults.database.path)
        #expect(fromFile.database.walRestartBytes == defaults.database.walRestartBytes)
        #expect(fromFile.bcryptCost == defaults.bcryptCost)
        #expect(fromFile.redisQueue.port == defaults.redisQueue.port)
        #expect(fromFile.logLevel == defaults.logLevel)
    }

    @Test("keys override defaults; bad values are refused with the key named")
    func apply() throws {
        var settings = DaemonConfiguration()
        try settings.apply(INIFile(parsing: "[redis_queue]\nport = 7000\n[users]\nbcrypt_cost = 4\n[log]\nlevel = debug\n[sqlite]\nwal_restart_mb = 16\n"))
        #expect(settings.database.walRestartBytes == 16 << 20)
        #expect(settings.redisQueue.port == 7000)
        #expect(settings.redisCache.port == 6379)
        #expect(settings.bcryptCost == 4)
        #expect(settings.logLevel == .debug)
        var bad = DaemonConfiguration()
        #expect(throws: DaemonConfiguration.InvalidValue.self) {
            try bad.apply(INIFile(parsing: "[gateway]\nport = eighty\n"))
        }
        #expect(throws: DaemonConfiguration.InvalidValue.self) {
            try bad.apply(INIFile(parsing: "[log]\nlevel = loud\n"))
        }
        #expect(throws: DaemonConfiguration.InvalidValue.self) {
            try bad.apply(INIFile(parsing: "[sqlite]\nwal_restart_mb = 0\n"))
        }
    }
}
