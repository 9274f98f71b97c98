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

    static func json(_ status: Int, _ body: String) -> OperationsResponse {
        OperationsResponse(status: status, contentType: "application/json", body: body + "\n")
    }
}

/// Routes `/metrics`, `/healthz` and the admin API. Pure apart from the
/// backend calls, so it is tested without sockets.
public struct OperationsRouter: Sendable {
    let backend: any OperationsBackend
    /// Bearer token for `/admin/*`; nil disables the admin API (404).
    let adminToken: String?
    let version: String
    let startedAt: ContinuousClock.Instant

    public init(backend: any OperationsBackend, adminToken: String?, version: String,
                startedAt: ContinuousClock.Instant = .now) {
        self.backend = backend
        self.adminToken = adminToken.flatMap { $0.isEmpty ? nil : $0 }
        self.version = version
        self.startedAt = startedAt
    }

    public func respond(to request: OperationsRequest) async -> OperationsResponse {
        switch (request.method, request.path) {
        case ("GET", "/metrics"):
            return OperationsResponse(status: 200, contentType: "text/plain; version=0.0.4; charset=utf-8",
                                      body: await backend.metricsText())
        case ("GET", "/healthz"):
            let status = await backend.health()
            let uptime = (ContinuousClock.now - startedAt).components.seconds
            return .json(status == .failing ? 503 : 200, """
                {"status":"\(status.rawValue)","gateway":"\(JSON.escape(backend.gatewayID))",\
                "uptime_seconds":\(uptime),"version":"\(JSON.escape(version))"}
                """)
        case (_, let path) where path.hasPrefix("/admin/"):
            return await admin(request)
        default:
            return .json(404, #"{"error":"not found"}"#)
        }
    }

    private func admin(_ request: OperationsRequest) async -> OperationsResponse {
        // Without a configured token the admin API does not exist.
        guard let adminToken else { return .json(404, #"{"error":"not found"}"#) }
        guard let authorization = request.authorization, authorization == "Bearer \(adminToken)" else {
            return .json(401, #"{"error":"unauthorized"}"#)
        }
        do {
            switch (request.method, request.path) {
            case ("GET", "/admin/online"):
                let sessions = await backend.onlineSessions().map { session in
                    """
                    {"uid":\(session.user),"device":"\(JSON.escape(session.device))","since":\(session.since),\
                    "status":"\(session.status)","remote":"\(JSON.escape(session.remoteAddress))"}
                    """
                }
                return .json(200, "[" + sessions.joined(separator: ",") + "]")
            case ("POST", "/admin/kick"):
                guard let text = request.query["uid"], let user = UserID(text), user > 0 else {
                    return .json(400, #"{"error":"uid must be a positive integer"}"#)
                }
                let kicked = try await backend.kick(user, device: request.query["device"])
                return .json(200, #"{"kicked":\#(kicked)}"#)
            case ("POST", "/admin/broadcast"):
                let text = request.body.trimmingTrailingNewlines()
                guard !text.isEmpty, !text.contains("\n") else {
                    return .json(400, #"{"error":"the body must be one non-empty line of text"}"#)
                }
                let id = try await backend.broadcast(text)
                return .json(200, #"{"msg_id":\#(id)}"#)
            default:
                return .json(404, #"{"error":"not found"}"#)
            }
        } catch {
            return .json(503, #"{"error":"\#(JSON.escape("\(error)"))"}"#)
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
        var text = Substring(self)
        while let last = text.last, last == "\n" || last == "\r" { text = text.dropLast() }
        return String(text)
    }
}

import Foundation
