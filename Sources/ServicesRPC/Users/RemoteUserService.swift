import GRPCCore
import GRPCNIOTransportHTTP2Posix
import MPIMCore
import MPIMServices

/// `UserService` in another process (`mpimd --serve users`), over gRPC:
/// each method is one call with the connection's deadline, answering what
/// the remote service returned or the refusal it threw; `.unavailable` when
/// the process did not answer.
public struct RemoteUserService: UserService {
    private let connection: ServicesConnection
    private let stub: Mpim_Users_V1_Users.Client<HTTP2ClientTransport.Posix>

    public init(connection: ServicesConnection) {
        self.connection = connection
        stub = Mpim_Users_V1_Users.Client(wrapping: connection.client)
    }

    public func register(username: String, password: String) async throws(MPIMError) -> UserID {
        let request = Mpim_Users_V1_Credentials.with { $0.username = username; $0.password = password }
        return try await connection.call("Register") { try await stub.register(request, options: $0) }
    }

    public func login(username: String, password: String) async throws(MPIMError) -> UserID {
        let request = Mpim_Users_V1_Credentials.with { $0.username = username; $0.password = password }
        return try await connection.call("Login") { try await stub.login(request, options: $0) }
    }

    public func exists(_ user: UserID) async throws(MPIMError) -> Bool {
        let request = Mpim_Users_V1_UserRequest.with { $0.user = user }
        return try await connection.call("Exists") { try await stub.exists(request, options: $0) }
    }

    public func userID(named username: String) async throws(MPIMError) -> UserID {
        let request = Mpim_Users_V1_NameRequest.with { $0.username = username }
        return try await connection.call("UserNamed") { try await stub.userNamed(request, options: $0) }
    }

    public func names(of users: [UserID]) async throws(MPIMError) -> [String] {
        let request = Mpim_Users_V1_NamesRequest.with { $0.users = users }
        let names = try await connection.call("Names") { try await stub.names(request, options: $0) }
        guard names.count == users.count else { throw .internal("names reply of the wrong length") }
        return names
    }

    public func addFriend(_ friend: UserID, of user: UserID) async throws(MPIMError) {
        let request = Mpim_Users_V1_FriendRequest.with { $0.user = user; $0.friend = friend }
        try await connection.call("AddFriend") { try await stub.addFriend(request, options: $0) }
    }

    public func removeFriend(_ friend: UserID, of user: UserID) async throws(MPIMError) {
        let request = Mpim_Users_V1_FriendRequest.with { $0.user = user; $0.friend = friend }
        try await connection.call("RemoveFriend") { try await stub.removeFriend(request, options: $0) }
    }

    public func friends(of user: UserID) async throws(MPIMError) -> [UserID] {
        let request = Mpim_Users_V1_UserRequest.with { $0.user = user }
        return try await connection.call("Friends") { try await stub.friends(request, options: $0) }
    }
}
