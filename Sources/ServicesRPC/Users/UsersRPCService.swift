import GRPCCore
import MPIMCore
import MPIMServices

/// The Users service on gRPC: each RPC calls the same method of whichever
/// `UserService` it wraps (in `mpimd --serve users`, `LiveUserService`) and
/// answers what it returned or the refusal it threw.
struct UsersRPCService: Sendable {
    private let users: any UserService

    init(wrapping users: any UserService) {
        self.users = users
    }
}

extension UsersRPCService: Mpim_Users_V1_Users.SimpleServiceProtocol {
    func register(request: Mpim_Users_V1_Credentials, context: ServerContext) async throws -> Mpim_Users_V1_UserReply {
        await .answering { () async throws(MPIMError) in
            try await users.register(username: request.username, password: request.password)
        }
    }

    func login(request: Mpim_Users_V1_Credentials, context: ServerContext) async throws -> Mpim_Users_V1_UserReply {
        await .answering { () async throws(MPIMError) in
            try await users.login(username: request.username, password: request.password)
        }
    }

    func exists(request: Mpim_Users_V1_UserRequest, context: ServerContext) async throws -> Mpim_Services_V1_ExistsReply {
        await .answering { () async throws(MPIMError) in try await users.exists(request.user) }
    }

    func userNamed(request: Mpim_Users_V1_NameRequest, context: ServerContext) async throws -> Mpim_Users_V1_UserReply {
        await .answering { () async throws(MPIMError) in try await users.userID(named: request.username) }
    }

    func names(request: Mpim_Users_V1_NamesRequest, context: ServerContext) async throws -> Mpim_Users_V1_NamesReply {
        await .answering { () async throws(MPIMError) in try await users.names(of: request.users) }
    }

    func addFriend(request: Mpim_Users_V1_FriendRequest, context: ServerContext) async throws -> Mpim_Services_V1_DoneReply {
        await .answering { () async throws(MPIMError) in try await users.addFriend(request.friend, of: request.user) }
    }

    func removeFriend(request: Mpim_Users_V1_FriendRequest, context: ServerContext) async throws
        -> Mpim_Services_V1_DoneReply
    {
        await .answering { () async throws(MPIMError) in try await users.removeFriend(request.friend, of: request.user) }
    }

    func friends(request: Mpim_Users_V1_UserRequest, context: ServerContext) async throws -> Mpim_Services_V1_IDsReply {
        await .answering { () async throws(MPIMError) in try await users.friends(of: request.user) }
    }
}
