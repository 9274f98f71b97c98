import Cache
import Logging
import MPIMCore
import MPIMServices
import Storage

/// Groups in SQLite with group info and member lists cached in Redis. A
/// struct, not an actor: it holds no state of its own to guard.
public struct LiveGroupService: GroupService {
    private let database: AppDatabase
    private let cache: any CacheStore
    private let logger: Logger

    public init(database: AppDatabase, cache: any CacheStore, logger: Logger) {
        self.database = database
        self.cache = cache
        self.logger = logger
    }

    public func create(name: String, description: String, creator: UserID) async throws(MPIMError) -> GroupID {
        let group = try await database.run("create group", logger: logger) {
            try await $0.createGroup(name: name, description: description, creator: creator)
        }
        logger.info("group created", metadata: ["gid": "\(group.id)", "uid": "\(creator)"])
        return group.id
    }

    public func join(_ group: GroupID, user: UserID) async throws(MPIMError) {
        try await database.run("join group", logger: logger) { try await $0.addMember(user, to: group) }
        await cache.invalidate([CacheKeys.members(group)])
    }

    public func leave(_ group: GroupID, user: UserID) async throws(MPIMError) {
        _ = try await info(of: group)
        let removed = try await database.run("leave group", logger: logger) {
            try await $0.removeMember(user, from: group)
        }
        await cache.invalidate([CacheKeys.members(group)])
        guard removed else { throw .notMember }
    }

    public func groups(of user: UserID) async throws(MPIMError) -> [GroupID] {
        try await database.run("list groups", logger: logger) { try await $0.groups(of: user) }
    }

    public func members(of group: GroupID) async throws(MPIMError) -> [UserID] {
        let key = CacheKeys.members(group)
        if let cached = await cache.get(key, kind: .members), let ids = IDList.decode(cached), !ids.isEmpty {
            return ids
        }
        let members = try await database.run("list members", logger: logger) { try await $0.members(of: group) }
        // Every group keeps at least its creator until they leave; an empty
        // list may also mean no such group, which is not cached.
        if members.isEmpty {
            _ = try await info(of: group)
            return []
        }
        await cache.set(key, value: IDList.encode(members), kind: .members)
        return members
    }

    public func summary(of group: GroupID) async throws(MPIMError) -> GroupSummary {
        let info = try await info(of: group)
        let count = try await members(of: group).count
        return GroupSummary(id: info.id, name: info.name, description: info.description, creator: info.creator,
                            createdAt: info.createdAt, memberCount: count)
    }

    /// The group's stored fields: cache first, then SQLite; `.noSuchGroup` if absent.
    private func info(of group: GroupID) async throws(MPIMError) -> GroupInfo {
        let key = CacheKeys.groupInfo(group)
        if let cached = await cache.get(key, kind: .groupInfo), let info = GroupInfoCoding.decode(cached, id: group) {
            return info
        }
        let stored = try await database.run("read group", logger: logger) { try await $0.group(group) }
        guard let info = stored else { throw .noSuchGroup }
        await cache.set(key, value: GroupInfoCoding.encode(info), kind: .groupInfo)
        return info
    }
}

/// `group:info:<gid>` values: creator, created_at, name, then the description
/// (which may hold anything but a newline), newline-separated.
enum GroupInfoCoding {
    static func encode(_ info: GroupInfo) -> String {
        "\(info.creator)\n\(info.createdAt)\n\(info.name)\n\(info.description)"
    }

    static func decode(_ value: String, id: GroupID) -> GroupInfo? {
        let parts = value.split(separator: "\n", maxSplits: 3, omittingEmptySubsequences: false)
        guard parts.count == 4, let creator = UserID(parts[0]), let createdAt = UnixMillis(parts[1]) else { return nil }
        return GroupInfo(id: id, name: String(parts[2]), description: String(parts[3]), creator: creator,
                         createdAt: createdAt)
    }
}
