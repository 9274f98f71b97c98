import Metrics

/// Presence's metrics (exported by the daemon's /metrics; no-ops in unit tests).
enum PresenceMetrics {
    /// Pushes handed on, by path: `in_process` (a local session), `pubsub` or
    /// `stream` (an envelope recipient on another gateway).
    static func delivered(_ count: Int, path: String) {
        guard count > 0 else { return }
        Counter(label: "mpim_deliveries_total", dimensions: [("path", path)]).increment(by: count)
    }

    /// Route look-ups by result: `hit` (route cache), `miss` (read from Redis), `failure`.
    static func routeQueries(_ count: Int, result: String) {
        guard count > 0 else { return }
        Counter(label: "mpim_route_queries_total", dimensions: [("result", result)]).increment(by: count)
    }
}
