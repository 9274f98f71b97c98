import Foundation
import Histogram

/// The percentiles the bench reports of one latency histogram, in microseconds.
struct LatencySummary: Sendable, Equatable {
    var count: UInt64
    var p50: UInt64
    var p99: UInt64
    var p999: UInt64
    var max: UInt64

    init(count: UInt64, p50: UInt64, p99: UInt64, p999: UInt64, max: UInt64) {
        self.count = count
        self.p50 = p50
        self.p99 = p99
        self.p999 = p999
        self.max = max
    }

    /// Percentiles as HdrHistogram reports them (the highest value equivalent to the
    /// bucket, capped at the largest value recorded); all zero for an empty histogram.
    init(_ histogram: LatencyHistogram) {
        guard histogram.totalCount > 0 else {
            self.init(count: 0, p50: 0, p99: 0, p999: 0, max: 0)
            return
        }
        self.init(count: histogram.totalCount,
                  p50: histogram.valueAtPercentile(50),
                  p99: histogram.valueAtPercentile(99),
                  p999: histogram.valueAtPercentile(99.9),
                  max: histogram.maxRecorded)
    }
}

/// One figure of the report, as a script reads it.
enum FigureValue: Sendable, Equatable {
    case int(Int)
    case number(Double)
    case text(String)

    /// `12`, `1234.5` (one decimal), or the text with spaces made `_` so a key=value line stays splittable.
    var plain: String {
        switch self {
        case .int(let value): return String(value)
        case .number(let value): return value.isFinite ? String(format: "%.1f", value) : "0"
        case .text(let value): return value.replacingOccurrences(of: " ", with: "_")
        }
    }

    var json: String {
        switch self {
        case .int, .number: return plain
        case .text(let value): return Figures.jsonString(value)
        }
    }
}

/// The report's figures, in the order they were added.
struct Figures: Sendable, Equatable {
    private(set) var items: [(key: String, value: FigureValue)] = []

    mutating func add(_ key: String, _ value: FigureValue) {
        items.removeAll { $0.key == key }
        items.append((key, value))
    }

    mutating func add(_ key: String, _ value: Int) { add(key, .int(value)) }
    mutating func add(_ key: String, _ value: Double) { add(key, .number(value)) }
    mutating func add(_ key: String, _ value: String) { add(key, .text(value)) }

    /// `<prefix>_p50_us`, `_p99_us`, `_p999_us`, `_max_us`.
    mutating func add(latency: LatencySummary, prefix: String) {
        add("\(prefix)_p50_us", Int(latency.p50))
        add("\(prefix)_p99_us", Int(latency.p99))
        add("\(prefix)_p999_us", Int(latency.p999))
        add("\(prefix)_max_us", Int(latency.max))
    }

    subscript(key: String) -> FigureValue? {
        items.first { $0.key == key }?.value
    }

    /// `key=value key=value …` on one line.
    var keyValueLine: String {
        items.map { "\($0.key)=\($0.value.plain)" }.joined(separator: " ")
    }

    /// One JSON object, keys in order.
    var json: String {
        "{" + items.map { "\(Figures.jsonString($0.key)):\($0.value.json)" }.joined(separator: ",") + "}"
    }

    /// `text` as a JSON string literal, quotes included.
    static func jsonString(_ text: String) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .withoutEscapingSlashes
        return (try? encoder.encode(text)).map { String(decoding: $0, as: UTF8.self) } ?? "\"\""
    }

    static func == (lhs: Figures, rhs: Figures) -> Bool {
        lhs.items.elementsEqual(rhs.items) { $0.key == $1.key && $0.value == $1.value }
    }

    /// Parses a `key=value …` line back (what scripts and the tests do).
    static func parse(keyValueLine line: String) -> [String: String] {
        var result: [String: String] = [:]
        for word in line.split(separator: " ") {
            guard let equals = word.firstIndex(of: "=") else { continue }
            result[String(word[..<equals])] = String(word[word.index(after: equals)...])
        }
        return result
    }
}

/// What a run prints: a few lines for people, then the figures for scripts.
struct Report: Sendable {
    var title: String
    var lines: [String] = []
    /// What the reader must know to trust the figures; printed under the
    /// lines, and on stderr with `--json` (stdout stays one JSON object).
    var notes: [String] = []
    var figures = Figures()

    init(title: String) {
        self.title = title
    }

    /// A latency table row: `label  p50 p99 p99.9 max` in milliseconds.
    static func latencyRow(_ label: String, _ latency: LatencySummary) -> String {
        let cells = [latency.p50, latency.p99, latency.p999, latency.max].map { milliseconds($0).leftPadded(to: 9) }
        return "  " + label.rightPadded(to: 22) + cells.joined()
    }

    static let latencyHeader = "  " + "latency (ms)".rightPadded(to: 22)
        + ["p50", "p99", "p99.9", "max"].map { $0.leftPadded(to: 9) }.joined()

    /// Microseconds as milliseconds with two decimals (three below 0.1 ms).
    static func milliseconds(_ microseconds: UInt64) -> String {
        String(format: microseconds < 100 ? "%.3f" : "%.2f", Double(microseconds) / 1000)
    }

    static func count(_ label: String, _ value: Int, perSecond: Double? = nil) -> String {
        var line = "  " + label.rightPadded(to: 22) + String(value).leftPadded(to: 9)
        if let perSecond { line += String(format: "   %.1f/s", perSecond) }
        return line
    }

    /// The run hit the server's per-connection line limit: its rates are the
    /// limit's, not the server's.
    static func rateLimitNote(_ replies: Int) -> String {
        "  note: \(replies) replies were \"\(Wire.rateLimitedReply)\": the server's per-connection limit "
            + "([gateway] max_lines_per_second, 2000 by default) capped this run; raise it to measure the server"
    }

    /// The people's part, then the `key=value` line last.
    var text: String {
        ([title] + lines + notes + [figures.keyValueLine]).joined(separator: "\n")
    }
}

extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }

    func rightPadded(to width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
