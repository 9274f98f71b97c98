import MPIMCore
import MPIMServices

/// The membership observer of a Groups service that runs out of process:
/// it tells no one, because Messaging is not in this process. Each gateway's
/// `RemoteGroupService` tells its own Messaging instead, in the order
/// `LiveGroupService` would (Docs/ARCHITECTURE.md, "Services over gRPC").
public struct MembershipsToldByGateways: GroupMembershipObserver {
    public init() {}

    public func memberJoined(_ user: UserID, group: GroupID) async throws(MPIMError) {}

    public func memberLeaving(_ user: UserID, group: GroupID) async throws(MPIMError) {}
}
