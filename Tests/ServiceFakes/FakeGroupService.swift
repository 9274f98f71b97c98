import MPIMCore
import MPIMServices
import Synchronization

/// `GroupService` in memory.
public final class FakeGroupService: GroupService {
    private struct State {
        var groups: [GroupID: GroupSummary] = [:]
        var members: [GroupID: Set<UserID>] = [:]
        var nextID: GroupID = 1
    }

    private let state = Mutex(State())

    public init() {}

    /// The members, or nil for no such group, without waiting.
    public func memberList(_ group: GroupID) -> [UserID]? {
        state.withLock { $0.members[group].map { $0.sorted() } }
    }

    public func create(name: String, description: String, creator: UserID) async throws(MPIMError) -> GroupID {
        state.withLock { state in
            let id = state.nextID
            state.nextID += 1
            state.groups[id] = GroupSummary(id: id, name: name, description: description, creator: creator,
                                            createdAt: .now(), memberCount: 1)
            state.members[id] = [creator]
            return id
        }
    }

    public func join(_ group: GroupID, user: UserID) async throws(MPIMError) {
        try state.withLock { state throws(MPIMError) in
            guard state.groups[group] != nil else { throw .noSuchGroup }
            state.members[group, default: []].insert(user)
        }
    }

    public func leave(_ group: GroupID, user: UserID) async throws(MPIMError) {
        try state.withLock { state throws(MPIMError) in
            guard state.members[group]?.remove(user) != nil else { throw .notMember }
        }
    }

    public func exists(_ group: GroupID) async throws(MPIMError) -> Bool {
        memberList(group) != nil
    }

    public func groups(of user: UserID) async throws(MPIMError) -> [GroupID] {
        state.withLock { state in state.members.filter { $0.value.contains(user) }.map(\.key).sorted() }
    }

    public func members(of group: GroupID) async throws(MPIMError) -> [UserID] {
        try state.withLock { state throws(MPIMError) in
            guard let members = state.members[group] else { throw .noSuchGroup }
            return members.sorted()
        }
    }

    public func summary(of group: GroupID) async throws(MPIMError) -> GroupSummary {
        try state.withLock { state throws(MPIMError) in
            guard var summary = state.groups[group] else { throw .noSuchGroup }
            summary.memberCount = state.members[group]?.count ?? 0
            return summary
        }
    }
}
