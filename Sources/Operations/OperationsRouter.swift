import MPIMCore

/// An HTTP request as the router sees it.
public struct OperationsRequest: Sendable {
    public var method: String
    /// Path without the query.
    public var path: String
    public var query: [String: String]
    public var authorization: String?
    public var body: String

    public init(method: String, uri: String, authorization: String?, body: String) {
        self.method = method
        let parts = uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        self.path = String(parts[0])
        var query: [String: String] = [:]
        if parts.count == 2 {
            for pair in parts[1].split(separator: "&") {
                let keyValue = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                let key = String(keyValue[0]).removingPercentEncoding ?? String(keyValue[0])
                let value = keyValue.count == 2 ? (String(keyValue[1]).removingPercentEncoding ?? String(keyValue[1])) : ""
                query[key] = value
            }
        }
        self.query = query
        self.authorization = authorization
        self.body = body
    }
}

/// What to answer.
public struct OperationsResponse: Sendable, Equatable {
    public var status: Int
    public var contentType: String
    public var body: String
    /// The `Allow` header of a 405: the method the path answers.
    public var allow: String?

    static func json(_ status: Int, _ body: String) -> OperationsResponse {
        OperationsResponse(status: status, contentType: "application/json", body: body + "\n")
    }

    static let notFound = json(404, #"{"error":"not found"}"#)

    static func methodNotAllowed(allow: String) -> OperationsResponse {
        var response = json(405, #"{"error":"method not allowed"}"#)
        response.allow = allow
        return response
    }
}

/// The paths the listener answers, each with its one method.
enum OperationsRoute: String, CaseIterable {
    case metrics = "/metrics"
    case health = "/healthz"
    case online = "/admin/online"
    case kick = "/admin/kick"
    case broadcast = "/admin/broadcast"

    var method: String {
        switch self {
        case .metrics, .health, .online: "GET"
        case .kick, .broadcast: "POST"
        }
    }

    static func isAdmin(_ path: String) -> Bool {
        path.hasPrefix("/admin/")
    }
}

/// Routes `/metrics`, `/healthz` and the admin API. Pure apart from the
/// backend calls, so it is tested without sockets.
public struct OperationsRouter: Sendable {
    let backend: any OperationsBackend
    /// Checks the bearer token for `/admin/*`; nil disables the admin API (404).
    let admin: AdminAuthorization?
    let version: String
    let startedAt: ContinuousClock.Instant

    public init(backend: any OperationsBackend, adminToken: String?, version: String,
                startedAt: ContinuousClock.Instant = .now) {
        self.backend = backend
        self.admin = adminToken.flatMap { $0.isEmpty ? nil : AdminAuthorization(token: $0) }
        self.version = version
        self.startedAt = startedAt
    }

    /// Admin paths answer 404 while the admin API is off and 401 without the
    /// token, before anything else, so they tell an outsider nothing; then an
    /// unknown path is 404 and a known one asked with another method 405.
    public func respond(to request: OperationsRequest) async -> OperationsResponse {
        if OperationsRoute.isAdmin(request.path) {
            guard let admin else { return .notFound }
            guard admin.admits(request.authorization) else { return .json(401, #"{"error":"unauthorized"}"#) }
        }
        guard let route = OperationsRoute(rawValue: request.path) else { return .notFound }
        guard request.method == route.method else { return .methodNotAllowed(allow: route.method) }
        do {
            return try await respond(to: route, request)
        } catch {
            return .json(503, #"{"error":"\#(JSON.escape("\(error)"))"}"#)
        }
    }

    private func respond(to route: OperationsRoute, _ request: OperationsRequest) async throws -> OperationsResponse {
        switch route {
        case .metrics:
            return OperationsResponse(status: 200, contentType: "text/plain; version=0.0.4; charset=utf-8",
                                      body: await backend.metricsText())
        case .health:
            let status = await backend.health()
            let uptime = (ContinuousClock.now - startedAt).components.seconds
            return .json(status == .failing ? 503 : 200, """
                {"status":"\(status.rawValue)","gateway":"\(JSON.escape(backend.gatewayID))",\
                "uptime_seconds":\(uptime),"version":"\(JSON.escape(version))"}
                """)
        case .online:
            let sessions = await backend.onlineSessions().map { session in
                """
                {"uid":\(session.user),"device":"\(JSON.escape(session.device))","since":\(session.since),\
                "status":"\(session.status)","remote":"\(JSON.escape(session.remoteAddress))"}
                """
            }
            return .json(200, "[" + sessions.joined(separator: ",") + "]")
        case .kick:
            guard let text = request.query["uid"], let user = UserID(text), user > 0 else {
                return .json(400, #"{"error":"uid must be a positive integer"}"#)
            }
            let kicked = try await backend.kick(user, device: request.query["device"])
            return .json(200, #"{"kicked":\#(kicked)}"#)
        case .broadcast:
            let text = request.body.trimmingTrailingNewlines()
            // Bytes, not Characters: "\r\n" is one Character that is not "\n".
            guard !text.isEmpty, !text.utf8.contains(where: { $0 == 0x0A || $0 == 0x0D || $0 == 0 }) else {
                return .json(400, #"{"error":"the body must be one non-empty line of text, without NUL"}"#)
            }
            let id = try await backend.broadcast(text)
            return .json(200, #"{"msg_id":\#(id)}"#)
        }
    }
}

enum JSON {
    static func escape(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case let c where c.value < 0x20: out += String(format: "\\u%04x", c.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}

extension String {
    func trimmingTrailingNewlines() -> String {
        var scalars = Substring(self).unicodeScalars
        while let last = scalars.last, last == "\n" || last == "\r" { scalars.removeLast() }
        return String(scalars)
    }
}

import Foundation
