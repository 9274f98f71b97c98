import Metrics

/// Presence's metrics (exported by the daemon's /metrics; no-ops in unit tests).
///
/// The counters are made once (after the daemon bootstraps the metrics
/// system): making one per call looked it up in the registry under a lock,
/// twice for every message delivered.
enum PresenceMetrics {
    private static let inProcess = deliveries("in_process")
    private static let pubsub = deliveries("pubsub")
    private static let stream = deliveries("stream")
    private static let hits = routeQueries("hit")
    private static let misses = routeQueries("miss")
    private static let failures = routeQueries("failure")
    private static let droppedVersion = droppedPayloads("version")
    private static let droppedMalformed = droppedPayloads("malformed")

    /// Makes every series now, so /metrics shows them at 0 before the first push.
    static func prepare() {
        _ = (inProcess, pubsub, stream, hits, misses, failures, droppedVersion, droppedMalformed)
    }

    /// Pushes handed on, by path: `in_process` (a local session), `pubsub` or
    /// `stream` (an envelope recipient on another gateway).
    static func delivered(_ count: Int, path: String) {
        guard count > 0 else { return }
        switch path {
        case "in_process": inProcess.increment(by: count)
        case "pubsub": pubsub.increment(by: count)
        case "stream": stream.increment(by: count)
        default: deliveries(path).increment(by: count)
        }
    }

    /// Route look-ups by result: `hit` (route cache), `miss` (read from Redis), `failure`.
    static func routeQueries(_ count: Int, result: String) {
        guard count > 0 else { return }
        switch result {
        case "hit": hits.increment(by: count)
        case "miss": misses.increment(by: count)
        case "failure": failures.increment(by: count)
        default: routeQueries(result).increment(by: count)
        }
    }

    /// Bus payloads dropped unread, by reason: `version` (one this build does
    /// not read), `malformed` (does not parse, or holds something invalid).
    static func droppedPayload(reason: String) {
        switch reason {
        case "version": droppedVersion.increment()
        case "malformed": droppedMalformed.increment()
        default: droppedPayloads(reason).increment()
        }
    }

    private static func deliveries(_ path: String) -> Counter {
        Counter(label: "mpim_deliveries_total", dimensions: [("path", path)])
    }

    private static func routeQueries(_ result: String) -> Counter {
        Counter(label: "mpim_route_queries_total", dimensions: [("result", result)])
    }

    private static func droppedPayloads(_ reason: String) -> Counter {
        Counter(label: "mpim_bus_payloads_dropped_total", dimensions: [("reason", reason)])
    }
}
