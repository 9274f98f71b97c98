import Foundation
import TestSupport
import Testing

/// One scrape of a daemon's /metrics, parsed by Python's prometheus_client
/// (scripts/metrics-families.py), the reference parser: a malformed
/// exposition fails the scrape. `make deps` installs the module.
struct ScrapedMetrics {
    struct Family: Decodable {
        var name: String
        var type: String
        var help: String
        var samples: [Sample]
    }

    struct Sample: Decodable {
        var name: String
        var labels: [String: String]
        /// Nil for NaN and infinities.
        var value: Double?
    }

    let families: [Family]

    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// GETs /metrics on `port` and parses it, the files kept in `directory`.
    static func scrape(port: Int, into directory: URL) async throws -> ScrapedMetrics {
        let response = try httpGet(port: port, path: "/metrics")
        guard response.status == 200 else { throw TestFailure("GET /metrics: \(response)") }
        let name = "metrics-\(UUID().uuidString.prefix(8))"
        let text = directory.appendingPathComponent("\(name).txt")
        let json = directory.appendingPathComponent("\(name).json")
        try response.body.write(to: text, atomically: false, encoding: .utf8)
        let python = "/usr/bin/python3"
        let script = repositoryRoot.appendingPathComponent("scripts/metrics-families.py").path
        guard FileManager.default.isExecutableFile(atPath: python) else {
            throw TestFailure("no \(python): run `make deps`")
        }
        let parser = try ChildProcess(
            name: "metrics-families.py", executable: python, arguments: [script, text.path, json.path],
            directory: directory, log: directory.appendingPathComponent("\(name).log"))
        guard await parser.waitForExit(timeout: .seconds(20)) else {
            await parser.kill()
            throw TestFailure("metrics-families.py did not finish within 20 s")
        }
        guard parser.exitDescription == "exited with status 0", let data = FileManager.default.contents(atPath: json.path)
        else {
            throw TestFailure("""
                prometheus_client refused /metrics (\(parser.exitDescription); `make deps` installs it):
                \(logTail(parser.log, lines: 8))
                """)
        }
        return ScrapedMetrics(families: try JSONDecoder().decode([Family].self, from: data))
    }

    /// The value of the sample `name` with exactly `labels`; nil when absent.
    func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
        families.lazy.flatMap(\.samples).first { $0.name == name && $0.labels == labels }?.value
    }

    /// How much the sample moved since `before` (absent counts as 0).
    func moved(_ name: String, _ labels: [String: String] = [:], since before: ScrapedMetrics) -> Double {
        (value(name, labels) ?? 0) - (before.value(name, labels) ?? 0)
    }

    /// Every family has HELP and a TYPE, every sample a number, and no series says INVALID.
    func expectConventions(_ when: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(!families.isEmpty, "\(when): no families", sourceLocation: sourceLocation)
        for family in families {
            #expect(!family.help.isEmpty, "\(when): \(family.name) has no HELP", sourceLocation: sourceLocation)
            #expect(["counter", "gauge", "histogram", "summary"].contains(family.type),
                    "\(when): \(family.name) has no TYPE (\(family.type))", sourceLocation: sourceLocation)
            for sample in family.samples {
                #expect(sample.value != nil, "\(when): \(sample.name) \(sample.labels) is not a number",
                        sourceLocation: sourceLocation)
                #expect(!sample.labels.values.contains("INVALID"), "\(when): \(sample.name) \(sample.labels)",
                        sourceLocation: sourceLocation)
            }
        }
        let names = families.map(\.name)
        #expect(Set(names).count == names.count, "\(when): a family appears twice", sourceLocation: sourceLocation)
    }
}
