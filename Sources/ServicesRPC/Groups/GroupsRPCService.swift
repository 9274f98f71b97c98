import GRPCCore
import MPIMCore
import MPIMServices

/// The Groups service on gRPC: each RPC calls the same method of whichever
/// `GroupService` it wraps (in `mpimd --serve groups`, `LiveGroupService`
/// with `MembershipsToldByGateways`) and answers what it returned or the
/// refusal it threw.
struct GroupsRPCService: Sendable {
    private let groups: any GroupService

    init(wrapping groups: any GroupService) {
        self.groups = groups
    }
}

extension GroupsRPCService: Mpim_Groups_V1_Groups.SimpleServiceProtocol {
    func create(request: Mpim_Groups_V1_CreateRequest, context: ServerContext) async throws -> Mpim_Groups_V1_GroupReply {
        await .answering { () async throws(MPIMError) in
            try await groups.create(name: request.name, description: request.description_p, creator: request.creator)
        }
    }

    func join(request: Mpim_Groups_V1_MembershipRequest, context: ServerContext) async throws -> Mpim_Services_V1_DoneReply {
        await .answering { () async throws(MPIMError) in try await groups.join(request.group, user: request.user) }
    }

    func leave(request: Mpim_Groups_V1_MembershipRequest, context: ServerContext) async throws -> Mpim_Services_V1_DoneReply {
        await .answering { () async throws(MPIMError) in try await groups.leave(request.group, user: request.user) }
    }

    func exists(request: Mpim_Groups_V1_GroupRequest, context: ServerContext) async throws -> Mpim_Services_V1_ExistsReply {
        await .answering { () async throws(MPIMError) in try await groups.exists(request.group) }
    }

    func groupsOf(request: Mpim_Groups_V1_UserRequest, context: ServerContext) async throws -> Mpim_Services_V1_IDsReply {
        await .answering { () async throws(MPIMError) in try await groups.groups(of: request.user) }
    }

    func members(request: Mpim_Groups_V1_GroupRequest, context: ServerContext) async throws -> Mpim_Services_V1_IDsReply {
        await .answering { () async throws(MPIMError) in try await groups.members(of: request.group) }
    }

    func summary(request: Mpim_Groups_V1_GroupRequest, context: ServerContext) async throws
        -> Mpim_Groups_V1_SummaryReply
    {
        await .answering { () async throws(MPIMError) in try await groups.summary(of: request.group) }
    }
}
