import Hummingbird
import HummingbirdTesting
@testable import Operations

/// What a request through the routes answered.
struct Answer: CustomStringConvertible {
    var status: Int
    var headers: HTTPFields
    var body: String
    var description: String { "\(status) \(body)" }
}

/// Runs `test` against `routes` through HummingbirdTesting's router
/// framework: the full responder with its middleware, no sockets.
func withRouter(_ routes: OperationsRoutes,
                _ test: @Sendable (RouterClient) async throws -> Void) async throws {
    let application = Application(router: routes.router())
    try await application.test(.router) { client in try await test(RouterClient(client: client)) }
}

struct RouterClient: Sendable {
    let client: any TestClientProtocol

    /// `token` is sent as `Authorization: Bearer <token>`; `authorization` as the whole header.
    func send(_ method: HTTPRequest.Method, _ uri: String, token: String? = nil, authorization: String? = nil,
              body: String? = nil) async throws -> Answer {
        var headers: HTTPFields = [:]
        if let header = authorization ?? token.map({ "Bearer \($0)" }) { headers[.authorization] = header }
        let response = try await client.executeRequest(uri: uri, method: method, headers: headers,
                                                       body: body.map { ByteBuffer(string: $0) })
        return Answer(status: response.status.code, headers: response.headers, body: String(buffer: response.body))
    }
}
