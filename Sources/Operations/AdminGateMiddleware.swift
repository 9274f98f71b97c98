import Hummingbird

/// The admin API's answers to outsiders, before any routing: 404 while it is
/// off (no token configured), 401 without the right bearer token.
///
/// It is added to the whole router rather than to the `/admin` group because
/// Hummingbird runs a group's middleware only for requests that match one of
/// the group's routes; an unknown path or a wrong method under `/admin/` must
/// tell an outsider nothing either (no 404 or 405 that maps the API).
struct AdminGateMiddleware<Context: RequestContext>: RouterMiddleware {
    /// The first path component of the admin API.
    let component: Substring
    /// nil: the admin API is off.
    let authorization: AdminAuthorization?

    func handle(_ request: Request, context: Context,
                next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.routedPath.first == component else { return try await next(request, context) }
        guard let authorization else { throw OperationsError.notFound }
        guard authorization.admits(request.headers[.authorization]) else { throw OperationsError.unauthorized }
        return try await next(request, context)
    }
}

extension Request {
    /// The path's components as Hummingbird's router matches them: empty
    /// ones skipped, so `//admin/online` and `/admin/online/` are
    /// `/admin/online` to the router, and must be to the checks around it.
    var routedPath: [Substring] {
        uri.path.split(separator: "/")
    }
}
