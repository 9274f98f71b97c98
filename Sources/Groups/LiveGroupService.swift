import Cache
import Logging
import MPIMCore
import MPIMServices

/// Groups in their store with group info and member lists cached in Redis;
/// membership changes told to Messaging. A struct, not an actor: it holds
/// no state of its own to guard.
public struct LiveGroupService: GroupService {
    private let store: any GroupStore
    private let cache: any CacheStore
    private let membership: any GroupMembershipObserver
    private let logger: Logger

    public init(store: any GroupStore, cache: any CacheStore, membership: any GroupMembershipObserver,
                logger: Logger) {
        self.store = store
        self.cache = cache
        self.membership = membership
        self.logger = logger
    }

    public func create(name: String, description: String, creator: UserID) async throws(MPIMError) -> GroupID {
        let group = try await store.createGroup(name: name, description: description, creator: creator)
        try await membership.memberJoined(creator, group: group.id)
        logger.info("group created", metadata: ["gid": "\(group.id)", "uid": "\(creator)"])
        return group.id
    }

    public func join(_ group: GroupID, user: UserID) async throws(MPIMError) {
        try await store.addMember(user, to: group)
        await cache.invalidate([CacheKeys.members(group)])
        try await membership.memberJoined(user, group: group)
    }

    public func leave(_ group: GroupID, user: UserID) async throws(MPIMError) {
        _ = try await info(of: group)
        try await membership.memberLeaving(user, group: group)
        let removed = try await store.removeMember(user, from: group)
        await cache.invalidate([CacheKeys.members(group)])
        guard removed else { throw .notMember }
    }

    public func groups(of user: UserID) async throws(MPIMError) -> [GroupID] {
        try await store.groups(of: user)
    }

    public func members(of group: GroupID) async throws(MPIMError) -> [UserID] {
        let key = CacheKeys.members(group)
        if let cached = await cache.get(key, kind: .members), let ids = IDList.decode(cached), !ids.isEmpty {
            return ids
        }
        let members = try await store.members(of: group)
        // Every group keeps at least its creator until they leave; an empty
        // list may also mean no such group, which is not cached.
        if members.isEmpty {
            _ = try await info(of: group)
            return []
        }
        await cache.set(key, value: IDList.encode(members), kind: .members)
        return members
    }

    public func exists(_ group: GroupID) async throws(MPIMError) -> Bool {
        do {
            _ = try await info(of: group)
            return true
        } catch .noSuchGroup {
            return false
        }
    }

    public func summary(of group: GroupID) async throws(MPIMError) -> GroupSummary {
        let info = try await info(of: group)
        let count = try await members(of: group).count
        return GroupSummary(id: info.id, name: info.name, description: info.description, creator: info.creator,
                            createdAt: info.createdAt, memberCount: count)
    }

    /// The group's stored fields: cache first, then the store; `.noSuchGroup` if absent.
    private func info(of group: GroupID) async throws(MPIMError) -> GroupInfo {
        let key = CacheKeys.groupInfo(group)
        if let cached = await cache.get(key, kind: .groupInfo), let info = GroupInfoCoding.decode(cached, id: group) {
            return info
        }
        guard let info = try await store.group(group) else { throw .noSuchGroup }
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
