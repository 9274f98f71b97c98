/// What a cached entry describes; TTLs and hit/miss counts are per kind.
public enum CacheKind: String, Sendable, CaseIterable {
    case userInfo = "user_info"
    case friends
    case groupInfo = "group_info"
    case members
}

/// Hits and misses of one kind of entry since start.
public struct CacheCounts: Sendable, Equatable {
    public var hits = 0
    public var misses = 0
    /// Reads or writes that failed because Redis did not answer.
    public var failures = 0
}

/// A cache-aside store: readers try it first and fill it from SQLite on a
/// miss; writers invalidate after writing SQLite. Every method tolerates a
/// dead backend: a read is then a miss, and the caller uses SQLite.
public protocol CacheStore: Sendable {
    /// The cached value, or nil on a miss (or when the cache is unreachable).
    func get(_ key: String, kind: CacheKind) async -> String?
    /// Stores a value read from SQLite, with the kind's TTL.
    func set(_ key: String, value: String, kind: CacheKind) async
    /// Drops entries after a write, so the next read is fresh.
    func invalidate(_ keys: [String]) async
    /// Hits, misses and failures per kind.
    func counts() -> [CacheKind: CacheCounts]
}

/// The cache's key names (the schema is in Docs/ARCHITECTURE.md).
public enum CacheKeys {
    public static func userInfo(_ username: String) -> String { "user:info:\(username)" }
    public static func friends(_ user: Int64) -> String { "user:friends:\(user)" }
    public static func groupInfo(_ group: Int64) -> String { "group:info:\(group)" }
    public static func members(_ group: Int64) -> String { "group:members:\(group)" }
}

/// Entry lifetimes, per kind (`[redis_cache]` in the config).
public struct CacheTTLs: Sendable, Equatable {
    public var userInfo: Duration
    public var friends: Duration
    public var groupInfo: Duration
    public var members: Duration

    public init(userInfo: Duration = .seconds(3600), friends: Duration = .seconds(1800),
                groupInfo: Duration = .seconds(3600), members: Duration = .seconds(1800)) {
        self.userInfo = userInfo
        self.friends = friends
        self.groupInfo = groupInfo
        self.members = members
    }

    public subscript(kind: CacheKind) -> Duration {
        switch kind {
        case .userInfo: userInfo
        case .friends: friends
        case .groupInfo: groupInfo
        case .members: members
        }
    }

    var longest: Duration { max(userInfo, friends, groupInfo, members) }
}

/// Encodes lists of ids as cache values ("" for an empty list).
public enum IDList {
    public static func encode(_ ids: [Int64]) -> String {
        ids.map(String.init).joined(separator: ",")
    }

    /// nil for a value that is not a list of ids (treated as a miss).
    public static func decode(_ value: String) -> [Int64]? {
        if value.isEmpty { return [] }
        var ids: [Int64] = []
        for token in value.split(separator: ",", omittingEmptySubsequences: false) {
            guard let id = Int64(token) else { return nil }
            ids.append(id)
        }
        return ids
    }
}
