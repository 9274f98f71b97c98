import Hummingbird
import MPIMCore

/// `/metrics`, `/healthz` and the admin API as a Hummingbird router over an
/// `OperationsBackend`. Tested without sockets (HummingbirdTesting's `.router`).
public struct OperationsRoutes: Sendable {
    let backend: any OperationsBackend
    /// Checks the bearer token for `/admin/*`; nil disables the admin API (404).
    let admin: AdminAuthorization?
    let version: String
    /// Largest broadcast body read; a longer one is 413.
    let maxBodyBytes: Int
    let startedAt: ContinuousClock.Instant

    public init(backend: any OperationsBackend, adminToken: String?, version: String,
                maxBodyBytes: Int = 64 * 1024, startedAt: ContinuousClock.Instant = .now) {
        self.backend = backend
        self.admin = adminToken.flatMap { $0.isEmpty ? nil : AdminAuthorization(token: $0) }
        self.version = version
        self.maxBodyBytes = maxBodyBytes
        self.startedAt = startedAt
    }

    /// Each path answers one method; another is 405 with it as `Allow`.
    /// (A test holds this table to the routes below.)
    static let methods: [String: HTTPRequest.Method] = [
        "/metrics": .get, "/healthz": .get,
        "/admin/online": .get, "/admin/kick": .post, "/admin/broadcast": .post,
    ]

    /// The middleware runs outermost first: every error in one JSON shape;
    /// the admin API's 404/401 before anything else under `/admin/`; then
    /// 405 for a known path asked with another method.
    public func router() -> Router<OperationsRequestContext> {
        let router = Router(context: OperationsRequestContext.self)
        router.add(middleware: ErrorBodyMiddleware())
        router.add(middleware: AdminGateMiddleware(component: "admin", authorization: admin))
        router.add(middleware: MethodNotAllowedMiddleware(methods: Self.methods))
        router.get("metrics") { _, _ in await metrics() }
        router.get("healthz") { _, _ in await health() }
        let adminAPI = router.group("admin")
        adminAPI.get("online") { _, _ in await online() }
        adminAPI.post("kick") { request, context in try await kick(request, context) }
        adminAPI.post("broadcast") { request, _ in try await broadcast(request) }
        return router
    }

    /// What the listener serves, as its start-up line says it.
    public var endpoints: String {
        admin == nil ? "metrics, healthz; admin API off: no [http] admin_token" : "metrics, healthz, admin"
    }

    private func metrics() async -> Response {
        Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                 body: .init(byteBuffer: ByteBuffer(string: await backend.metricsText())))
    }

    /// 200 while SQLite takes writes (ok, or degraded without Redis), 503 when it does not.
    private func health() async -> EditedResponse<HealthBody> {
        let status = await backend.health()
        return EditedResponse(
            status: status == .failing ? .serviceUnavailable : .ok,
            response: HealthBody(status: status.rawValue, gateway: backend.gatewayID,
                                 uptimeSeconds: (ContinuousClock.now - startedAt).components.seconds,
                                 version: version))
    }

    private func online() async -> [SessionBody] {
        await backend.onlineSessions().map(SessionBody.init)
    }

    private func kick(_ request: Request, _ context: OperationsRequestContext) async throws -> KickedBody {
        // Any decoding failure (no uid, not a number) has the one answer.
        guard let query = try? request.uri.decodeQuery(as: KickQuery.self, context: context), query.uid > 0 else {
            throw OperationsError.badRequest("uid must be a positive integer")
        }
        return KickedBody(kicked: try await backend.kick(query.uid, device: query.device))
    }

    private func broadcast(_ request: Request) async throws -> BroadcastBody {
        let text = String(buffer: try await request.body.collect(upTo: maxBodyBytes)).trimmingTrailingNewlines()
        // Bytes, not Characters: "\r\n" is one Character that is not "\n".
        guard !text.isEmpty, !text.utf8.contains(where: { $0 == 0x0A || $0 == 0x0D || $0 == 0 }) else {
            throw OperationsError.badRequest("the body must be one non-empty line of text, without NUL")
        }
        return BroadcastBody(messageID: try await backend.broadcast(text))
    }
}

extension String {
    func trimmingTrailingNewlines() -> String {
        var scalars = Substring(self).unicodeScalars
        while let last = scalars.last, last == "\n" || last == "\r" { scalars.removeLast() }
        return String(scalars)
    }
}
