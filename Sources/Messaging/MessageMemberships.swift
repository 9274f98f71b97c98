import MPIMCore
import MPIMServices

/// What Groups tells Messaging of memberships, kept as each member's
/// delivery cursor in the message store: the group's recipient list.
public struct MessageMemberships: GroupMembershipObserver {
    private let store: any MessageStore

    public init(store: any MessageStore) {
        self.store = store
    }

    public func memberJoined(_ user: UserID, group: GroupID) async throws(MPIMError) {
        try await store.startMembership(of: user, in: group)
    }

    public func memberLeaving(_ user: UserID, group: GroupID) async throws(MPIMError) {
        try await store.endMembership(of: user, in: group)
    }
}
