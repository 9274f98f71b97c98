import Hummingbird
import NIOCore

/// An answer other than success: its status, `{"error":"<message>"}`, and
/// any header the status calls for (`Allow` on a 405).
struct OperationsError: HTTPResponseError, Equatable {
    var status: HTTPResponse.Status
    var message: String
    var headers: HTTPFields = [:]

    static let notFound = OperationsError(status: .notFound, message: "not found")
    static let unauthorized = OperationsError(status: .unauthorized, message: "unauthorized")
    static let bodyTooLarge = OperationsError(status: .contentTooLarge, message: "body too large")

    static func methodNotAllowed(allow: HTTPRequest.Method) -> OperationsError {
        OperationsError(status: .methodNotAllowed, message: "method not allowed", headers: [.allow: allow.rawValue])
    }

    static func badRequest(_ message: String) -> OperationsError {
        OperationsError(status: .badRequest, message: message)
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        var response = try context.responseEncoder.encode(ErrorBody(error: message), from: request, context: context)
        response.status = status
        response.headers.append(contentsOf: headers)
        return response
    }
}

extension OperationsError {
    /// Any error in our terms: ours as it is, Hummingbird's (its router's
    /// 404, a body over the cap) in our words, and whatever the backend
    /// throws (SQLite or Redis failing) as 503 with its description.
    init(_ error: any Error) {
        switch error {
        case let error as OperationsError:
            self = error
        case is NIOTooManyBytesError:
            self = .bodyTooLarge
        case let error as HTTPError:
            self.init(status: error.status, message: error.body ?? error.status.reasonPhrase.lowercased(),
                      headers: error.headers)
        default:
            self.init(status: .serviceUnavailable, message: "\(error)")
        }
    }
}

/// Every error answered in one shape, `{"error":"…"}`.
struct ErrorBodyMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context,
                next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            return try OperationsError(error).response(from: request, context: context)
        }
    }
}
