import Metrics

/// The cache's metrics (exported by the daemon's /metrics; no-ops in unit
/// tests): every kind × result made by `prepare()`, so /metrics shows them at
/// 0 before the first read.
enum CacheMetrics {
    enum Result: String, CaseIterable {
        case hit, miss, failure
    }

    static func prepare() {
        _ = requests
    }

    static func requests(_ kind: CacheKind, _ result: Result, count: Int) {
        guard count > 0 else { return }
        requests[kind]?[result]?.increment(by: count)
    }

    private static let requests = Dictionary(uniqueKeysWithValues: CacheKind.allCases.map { kind in
        (kind, Dictionary(uniqueKeysWithValues: Result.allCases.map { result in
            (result, Counter(label: "mpim_cache_requests_total", dimensions: [("kind", kind.rawValue), ("result", result.rawValue)]))
        }))
    })
}
