import GRPCCore
import GRPCNIOTransportHTTP2Posix
import MPIMCore
import MPIMServices

/// `GroupService` in another process (`mpimd --serve groups`), over gRPC,
/// telling this gateway's Messaging of membership changes the way
/// `LiveGroupService` does in process: a create or a join is told after the
/// remote service stored it, a leave before it is removed (checking first,
/// as `LiveGroupService` does, that the group exists). If the telling fails
/// the command fails, and repeating it completes the change, as in process.
///
/// Each method is one call with the connection's deadline (a leave is two),
/// answering what the remote service returned or the refusal it threw;
/// `.unavailable` when the process did not answer.
public struct RemoteGroupService: GroupService {
    private let connection: ServicesConnection
    private let stub: Mpim_Groups_V1_Groups.Client<HTTP2ClientTransport.Posix>
    private let membership: any GroupMembershipObserver

    public init(connection: ServicesConnection, membership: any GroupMembershipObserver) {
        self.connection = connection
        self.membership = membership
        stub = Mpim_Groups_V1_Groups.Client(wrapping: connection.client)
    }

    public func create(name: String, description: String, creator: UserID) async throws(MPIMError) -> GroupID {
        let request = Mpim_Groups_V1_CreateRequest.with {
            $0.name = name
            $0.description_p = description
            $0.creator = creator
        }
        let group = try await connection.call("Create") { try await stub.create(request, options: $0) }
        try await membership.memberJoined(creator, group: group)
        return group
    }

    public func join(_ group: GroupID, user: UserID) async throws(MPIMError) {
        let request = Mpim_Groups_V1_MembershipRequest.with { $0.group = group; $0.user = user }
        try await connection.call("Join") { try await stub.join(request, options: $0) }
        try await membership.memberJoined(user, group: group)
    }

    public func leave(_ group: GroupID, user: UserID) async throws(MPIMError) {
        guard try await exists(group) else { throw .noSuchGroup }
        try await membership.memberLeaving(user, group: group)
        let request = Mpim_Groups_V1_MembershipRequest.with { $0.group = group; $0.user = user }
        try await connection.call("Leave") { try await stub.leave(request, options: $0) }
    }

    public func exists(_ group: GroupID) async throws(MPIMError) -> Bool {
        let request = Mpim_Groups_V1_GroupRequest.with { $0.group = group }
        return try await connection.call("Exists") { try await stub.exists(request, options: $0) }
    }

    public func groups(of user: UserID) async throws(MPIMError) -> [GroupID] {
        let request = Mpim_Groups_V1_UserRequest.with { $0.user = user }
        return try await connection.call("GroupsOf") { try await stub.groupsOf(request, options: $0) }
    }

    public func members(of group: GroupID) async throws(MPIMError) -> [UserID] {
        let request = Mpim_Groups_V1_GroupRequest.with { $0.group = group }
        return try await connection.call("Members") { try await stub.members(request, options: $0) }
    }

    public func summary(of group: GroupID) async throws(MPIMError) -> GroupSummary {
        let request = Mpim_Groups_V1_GroupRequest.with { $0.group = group }
        return try await connection.call("Summary") { try await stub.summary(request, options: $0) }
    }
}
