import Cache
import Logging
import MPIMCore
import MPIMServices
import Synchronization
import Testing
@testable import Groups

/// Records what Groups tells of memberships, and fails while `failing` is set.
final class RecordingMembershipObserver: GroupMembershipObserver {
    private let state = Mutex<(told: [String], failing: Bool)>(([], false))

    var told: [String] { state.withLock { $0.told } }

    func setFailing(_ failing: Bool) {
        state.withLock { $0.failing = failing }
    }

    func memberJoined(_ user: UserID, group: GroupID) async throws(MPIMError) {
        try record("joined \(user) \(group)")
    }

    func memberLeaving(_ user: UserID, group: GroupID) async throws(MPIMError) {
        try record("leaving \(user) \(group)")
    }

    private func record(_ event: String) throws(MPIMError) {
        try state.withLock { (state) throws(MPIMError) in
            guard !state.failing else { throw .internal("store unavailable") }
            state.told.append(event)
        }
    }
}

@Suite("Group service")
struct LiveGroupServiceTests {
    private func makeService() async throws -> (LiveGroupService, GroupStore, RecordingMembershipObserver) {
        let store = try await temporaryGroupStore()
        let observer = RecordingMembershipObserver()
        return (LiveGroupService(store: store, cache: DisabledCache(), membership: observer, logger: Logger(label: "test")),
                store, observer)
    }

    @Test("Messaging is told of every membership: the creator's, a join (again when repeated), a leave")
    func tellsMemberships() async throws {
        let (groups, _, observer) = try await makeService()
        let group = try await groups.create(name: "team", description: "", creator: 1)
        try await groups.join(group, user: 2)
        try await groups.join(group, user: 2)
        try await groups.leave(group, user: 2)
        #expect(observer.told == ["joined 1 \(group)", "joined 2 \(group)", "joined 2 \(group)", "leaving 2 \(group)"])
        await #expect(throws: MPIMError.noSuchGroup) { try await groups.join(group + 1, user: 2) }
        await #expect(throws: MPIMError.notMember) { try await groups.leave(group, user: 2) }
        #expect(observer.told.count == 5, "a leave is told before it is stored, even a non-member's")
        #expect(try await groups.exists(group))
        #expect(try await !groups.exists(group + 1))
    }

    @Test("when telling fails the command fails, and repeating it completes the change")
    func repeatCompletes() async throws {
        let (groups, store, observer) = try await makeService()
        let group = try await groups.create(name: "team", description: "", creator: 1)
        observer.setFailing(true)
        await #expect(throws: MPIMError.internal("store unavailable")) { try await groups.join(group, user: 2) }
        await #expect(throws: MPIMError.internal("store unavailable")) { try await groups.leave(group, user: 1) }
        #expect(try await store.members(of: group) == [1, 2], "the join was stored, the leave was not")
        observer.setFailing(false)
        try await groups.join(group, user: 2)
        try await groups.leave(group, user: 1)
        #expect(observer.told == ["joined 1 \(group)", "joined 2 \(group)", "leaving 1 \(group)"])
        #expect(try await store.members(of: group) == [2])
    }
}
