/// A cache that holds nothing: every read is a miss, so every read goes to
/// SQLite. For deployments without a cache Redis, and for tests of the
/// services' own logic.
public struct DisabledCache: CacheStore {
    public init() {}
    public func get(_ key: String, kind: CacheKind) async -> String? { nil }
    public func set(_ key: String, value: String, kind: CacheKind) async {}
    public func invalidate(_ keys: [String]) async {}
    public func counts() -> [CacheKind: CacheCounts] { [:] }
}
