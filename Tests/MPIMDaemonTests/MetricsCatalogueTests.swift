import CoreMetrics
import Foundation
import Prometheus
import Testing
@testable import MPIMDaemon

@Suite("Metrics catalogue")
struct MetricsCatalogueTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// Every `Counter(label: "…"`, `Meter(label: "…"`, `Timer(label: "…"` in the daemon's sources, with the
    /// catalogue kind it should have.
    static func metricsMadeInSources() throws -> [(name: String, kind: MetricsCatalogue.Kind, file: String)] {
        let sources = root.appendingPathComponent("Sources")
        let skipped: Set = ["mpim-bench", "mpim", "MPIMClient"]  // not the daemon
        let kinds: [String: MetricsCatalogue.Kind] = [
            "Counter": .counter, "FloatingPointCounter": .counter, "Meter": .gauge, "Gauge": .gauge,
            "Timer": .histogram, "Recorder": .histogram,
        ]
        var found: [(String, MetricsCatalogue.Kind, String)] = []
        let enumerator = FileManager.default.enumerator(at: sources, includingPropertiesForKeys: nil)
        while let file = enumerator?.nextObject() as? URL {
            guard file.pathExtension == "swift",
                  !skipped.contains(file.deletingLastPathComponent().lastPathComponent)
            else { continue }
            let text = try String(contentsOf: file, encoding: .utf8)
            for match in text.matches(of: /\b(Counter|FloatingPointCounter|Meter|Gauge|Timer|Recorder)\(label: "([^"]+)"/) {
                found.append((String(match.2), kinds[String(match.1)]!, file.lastPathComponent))
            }
        }
        return found
    }

    @Test("every metric the daemon's sources make has a catalogue entry of its type, and every entry is made or rendered")
    func sourcesMatchCatalogue() throws {
        let made = try Self.metricsMadeInSources()
        #expect(made.count >= 15, "the scan finds the modules' metrics: \(made.map(\.name))")
        for metric in made {
            let entry = MetricsCatalogue.entry(metric.name)
            #expect(entry != nil, "\(metric.name) (\(metric.file)) has no catalogue entry")
            #expect(entry == nil || entry?.kind == metric.kind, "\(metric.name) is made as a \(metric.kind)")
        }
        let rendered = ProcessMetrics.render(Self.sampleStats, version: "1.2.3")
        let madeNames = Set(made.map(\.name))
        for entry in MetricsCatalogue.entries {
            #expect(madeNames.contains(entry.name) || rendered.contains("# TYPE \(entry.name) "),
                    "\(entry.name) is in the catalogue but nothing makes it")
        }
    }

    @Test("the metrics table in Docs/OPERATIONS.md lists every catalogue entry")
    func documented() throws {
        let operations = try String(contentsOf: Self.root.appendingPathComponent("Docs/OPERATIONS.md"), encoding: .utf8)
        for entry in MetricsCatalogue.entries {
            let listed = operations.contains("| `\(entry.name)` | \(entry.kind.rawValue) |")
            #expect(listed, "\(entry.name) is not in the table as a \(entry.kind.rawValue)")
        }
    }

    @Test("the factory gives each metric its catalogue help and the latency buckets; one name keeps one help")
    func factory() {
        let registry = PrometheusCollectorRegistry()
        let factory = CataloguedMetricsFactory(registry: registry)
        factory.makeCounter(label: "mpim_commands_total", dimensions: [("command", "SEND"), ("result", "ok")])
            .increment(by: 2)
        factory.makeCounter(label: "mpim_commands_total", dimensions: [("command", "SEND"), ("result", "error")])
            .increment(by: 1)
        factory.makeTimer(label: "mpim_command_duration_seconds", dimensions: [("command", "SEND")])
            .recordNanoseconds(180_000)
        factory.makeMeter(label: "mpim_connections_open", dimensions: []).set(3.0)
        let text = registry.emitToString()
        let help = MetricsCatalogue.entry("mpim_commands_total")!.help
        #expect(text.contains("# HELP mpim_commands_total \(help)\n# TYPE mpim_commands_total counter\n"))
        #expect(text.contains(#"mpim_commands_total{command="SEND",result="ok"} 2"#))
        #expect(text.contains("# TYPE mpim_command_duration_seconds histogram"))
        #expect(text.contains(#"mpim_command_duration_seconds_bucket{command="SEND",le="0.00005"} 0"#))
        #expect(text.contains(#"mpim_command_duration_seconds_bucket{command="SEND",le="0.0002"} 1"#),
                "180 µs lands in the 200 µs bucket\n\(text)")
        #expect(text.contains("# HELP mpim_connections_open "))
    }

    static let sampleStats = ProcessStats(
        stat: "4242 (mpim d) (x)) S 1 4242 4242 0 -1 4194560 900 0 0 0 250 50 0 0 20 0 12 0 "
            + "123456 1073741824 10240 18446744073709551615 1 1 0 0 0 0 0 4096 17003 0 0 0 17 1 0 0 0 0 0",
        systemStat: "cpu  1 2 3 4\nintr 5\nbtime 1700000000\nprocesses 9\n",
        limits: "Limit                     Soft Limit           Hard Limit           Units     \n"
            + "Max cpu time              unlimited            unlimited            seconds   \n"
            + "Max open files            20000                524288               files     \n",
        openFileDescriptors: 31, ticksPerSecond: 100, pageSize: 4096)

    @Test("/proc figures: CPU seconds, memory, start time and the open-files limit, with parentheses in the name")
    func processStats() throws {
        let stats = try #require(Self.sampleStats)
        #expect(stats.cpuSeconds == 3.0)
        #expect(stats.residentBytes == 10240 * 4096)
        #expect(stats.virtualBytes == 1_073_741_824)
        #expect(stats.startTimeSeconds == 1_700_000_000 + 1234.56)
        #expect(stats.openFileDescriptors == 31)
        #expect(stats.maxFileDescriptors == 20000)
        #expect(ProcessStats(stat: "garbage", systemStat: "", limits: "", openFileDescriptors: 0,
                             ticksPerSecond: 100, pageSize: 4096) == nil)
        #expect(ProcessStats.current() != nil, "this test runs on Linux")
    }

    @Test("process_* and mpim_build_info render with HELP and TYPE")
    func processMetrics() {
        let text = ProcessMetrics.render(Self.sampleStats, version: #"1.2 "q""#)
        #expect(text.contains("# TYPE process_cpu_seconds_total counter\nprocess_cpu_seconds_total 3.0\n"))
        #expect(text.contains("# TYPE process_max_fds gauge\nprocess_max_fds 20000\n"))
        #expect(text.contains(#"mpim_build_info{version="1.2 \"q\""} 1"#))
        let families = text.split(separator: "\n").filter { $0.hasPrefix("# TYPE ") }.count
        let helps = text.split(separator: "\n").filter { $0.hasPrefix("# HELP ") }.count
        #expect(families == 7 && helps == 7)
    }
}
