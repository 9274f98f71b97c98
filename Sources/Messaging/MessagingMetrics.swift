import Metrics

/// Messaging's metrics (exported by the daemon's /metrics; no-ops in unit tests).
enum MessagingMetrics {
    static let directAcknowledged = Counter(label: "mpim_messages_acknowledged_total", dimensions: [("kind", "direct")])
    static let groupAcknowledged = Counter(label: "mpim_messages_acknowledged_total", dimensions: [("kind", "group")])
    static let pulled = Counter(label: "mpim_deliveries_total", dimensions: [("path", "pull")])
    /// One group-committed transaction of messages.
    static let storeWrite = Timer(label: "mpim_store_write_duration_seconds")

    /// Makes every series now, so /metrics shows them at 0 before the first message.
    static func prepare() {
        _ = (directAcknowledged, groupAcknowledged, pulled, storeWrite)
    }
}
