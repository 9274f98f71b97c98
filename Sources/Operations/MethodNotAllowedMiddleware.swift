import Hummingbird

/// A known path asked with another method is 405 with `Allow` naming the
/// right one; Hummingbird's router answers 404 for it, as for an unknown path.
struct MethodNotAllowedMiddleware<Context: RequestContext>: RouterMiddleware {
    /// Each routed path (`/admin/kick`) with the one method it answers.
    let methods: [String: HTTPRequest.Method]

    func handle(_ request: Request, context: Context,
                next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound {
            let path = "/" + request.routedPath.joined(separator: "/")
            guard let allow = methods[path], allow != request.method else { throw error }
            throw OperationsError.methodNotAllowed(allow: allow)
        }
    }
}
