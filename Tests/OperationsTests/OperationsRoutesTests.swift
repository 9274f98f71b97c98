import Foundation
import Hummingbird
import MPIMCore
import Testing
@testable import Operations

@Suite("Operations routes")
struct OperationsRoutesTests {
    @Test("metrics and health need no token; failing health is 503, degraded 200")
    func publicRoutes() async throws {
        let started = ContinuousClock.now - .seconds(3)
        try await withRouter(OperationsRoutes(backend: RecordingBackend(), adminToken: nil, version: "1.2.3",
                                              startedAt: started)) { client in
            let metrics = try await client.send(.get, "/metrics")
            #expect(metrics.status == 200 && metrics.body == "mpim_connections_open 3\n")
            #expect(metrics.headers[.contentType] == "text/plain; version=0.0.4; charset=utf-8")
            let health = try await client.send(.get, "/healthz")
            #expect(health.status == 200)
            // Whole seconds since `started`: 3, or more on a machine slow to get here.
            let uptime = (ContinuousClock.now - started).components.seconds
            let body = try JSONDecoder().decode(HealthBody.self, from: Data(health.body.utf8))
            #expect((3...uptime).contains(body.uptimeSeconds), "\(body)")
            #expect(body == HealthBody(status: "ok", gateway: "gw-\"1", uptimeSeconds: body.uptimeSeconds, version: "1.2.3"))
            #expect(health.body.contains(#""uptime_seconds":\#(body.uptimeSeconds)"#)
                && health.body.contains(#""gateway":"gw-\"1""#))
            #expect(health.headers[.contentType]?.hasPrefix("application/json") == true)
        }
        for (status, code) in [(HealthStatus.failing, 503), (.degraded, 200)] {
            try await withRouter(OperationsRoutes(backend: RecordingBackend(status: status), adminToken: nil,
                                                  version: "x")) { client in
                let health = try await client.send(.get, "/healthz")
                #expect(health.status == code && health.body.contains(#""status":"\#(status.rawValue)""#), "\(health)")
            }
        }
    }

    @Test("admin routes are 404 without a configured token and 401 without the right bearer")
    func adminAuth() async throws {
        try await withRouter(OperationsRoutes(backend: RecordingBackend(), adminToken: nil, version: "x")) { client in
            let off = try await client.send(.get, "/admin/online", token: "anything")
            #expect(off.status == 404 && off.body == #"{"error":"not found"}"#)
        }
        try await withRouter(OperationsRoutes(backend: RecordingBackend(), adminToken: "s3cret", version: "x")) { client in
            let anonymous = try await client.send(.get, "/admin/online")
            #expect(anonymous.status == 401 && anonymous.body == #"{"error":"unauthorized"}"#)
            #expect(try await client.send(.get, "/admin/online", token: "wrong").status == 401)
            let online = try await client.send(.get, "/admin/online", token: "s3cret")
            #expect(online.status == 200)
            #expect(online.body == #"[{"device":"cli","remote":"[IPv4]127.0.0.1/127.0.0.1:9","since":5,"status":"online","uid":7}]"#,
                    "the documented fields, keys sorted, `/` unescaped")
        }
    }

    @Test("the admin gate sees the path as the router does: extra slashes do not get past it")
    func adminGatePaths() async throws {
        try await withRouter(OperationsRoutes(backend: RecordingBackend(), adminToken: "t", version: "x")) { client in
            for path in ["//admin/online", "/admin//online", "/admin/online/", "/admin", "/admin/nowhere"] {
                let anonymous = try await client.send(.get, path)
                #expect(anonymous.status == 401, "\(path)")
            }
            let admitted = try await client.send(.get, "//admin/online", token: "t")
            #expect(admitted.status == 200, "the router's own reading of the path")
            let kick = try await client.send(.post, "//admin/kick?uid=3")
            #expect(kick.status == 401)
        }
    }

    @Test("kick and broadcast validate their input and call the backend")
    func adminActions() async throws {
        let backend = RecordingBackend()
        try await withRouter(OperationsRoutes(backend: backend, adminToken: "t", version: "x")) { client in
            for uri in ["/admin/kick", "/admin/kick?uid=abc", "/admin/kick?uid=0", "/admin/kick?uid=-4", "/admin/kick?device=x"] {
                let refused = try await client.send(.post, uri, token: "t")
                #expect(refused.status == 400 && refused.body == #"{"error":"uid must be a positive integer"}"#, "\(uri)")
            }
            let kicked = try await client.send(.post, "/admin/kick?uid=9&device=ph%6Fne", token: "t")
            #expect(kicked.status == 200 && kicked.body == #"{"kicked":2}"#)
            _ = try await client.send(.post, "/admin/kick?uid=10", token: "t")
            for body in ["\n", "a\nb", "a\r\nb", "a\u{0}b", ""] {
                let refused = try await client.send(.post, "/admin/broadcast", token: "t", body: body)
                #expect(refused.status == 400, "\(body.debugDescription)")
                #expect(refused.body == #"{"error":"the body must be one non-empty line of text, without NUL"}"#)
            }
            let sent = try await client.send(.post, "/admin/broadcast", token: "t", body: "maintenance at 5\r\n")
            #expect(sent.status == 200 && sent.body == #"{"msg_id":42}"#)
        }
        #expect(backend.recorded == ["kick 9 phone", "kick 10 -", "broadcast maintenance at 5"])
    }

    @Test("a broadcast body over the cap is 413 and reaches no one")
    func bodyCap() async throws {
        let backend = RecordingBackend()
        try await withRouter(OperationsRoutes(backend: backend, adminToken: "t", version: "x", maxBodyBytes: 16)) { client in
            let large = try await client.send(.post, "/admin/broadcast", token: "t", body: String(repeating: "x", count: 17))
            #expect(large.status == 413 && large.body == #"{"error":"body too large"}"#, "\(large)")
            let fits = try await client.send(.post, "/admin/broadcast", token: "t", body: String(repeating: "y", count: 16))
            #expect(fits.status == 200)
        }
        #expect(backend.recorded == ["broadcast " + String(repeating: "y", count: 16)])
    }

    @Test("a backend failure is 503 with its description")
    func backendFailure() async throws {
        let backend = RecordingBackend(failure: .refused("database is locked"))
        try await withRouter(OperationsRoutes(backend: backend, adminToken: "t", version: "x")) { client in
            for (uri, body) in [("/admin/kick?uid=3", nil), ("/admin/broadcast", "hello")] {
                let failed = try await client.send(.post, uri, token: "t", body: body)
                #expect(failed.status == 503, "\(uri): \(failed)")
                let decoded = try JSONDecoder().decode(ErrorBody.self, from: Data(failed.body.utf8))
                #expect(decoded.error == "\(MPIMError.refused("database is locked"))")
            }
        }
    }

    @Test("the Authorization scheme is case-insensitive; the token is not, and must be whole")
    func bearerScheme() async throws {
        let accepted = ["Bearer s3cret", "bearer s3cret", "BEARER s3cret", "bEaReR  s3cret"]
        let refused = ["Bearer S3CRET", "Bearer s3cre", "Bearer s3crets", "Bearer ", "Bearer", "Basic s3cret",
                       "Bearers3cret", "s3cret", "Bearer s3cret\0"]
        let authorization = AdminAuthorization(token: "s3cret")
        for header in accepted { #expect(authorization.admits(header), "\(header)") }
        for header in refused { #expect(!authorization.admits(header), "\(header.debugDescription)") }
        #expect(!authorization.admits(nil))
        // Through the router too (HTTPFields trims a value's ends, so the
        // cases that differ only there are left to the checks above).
        try await withRouter(OperationsRoutes(backend: RecordingBackend(), adminToken: "s3cret", version: "x")) { client in
            for header in accepted {
                let admitted = try await client.send(.get, "/admin/online", authorization: header)
                #expect(admitted.status == 200, "\(header)")
            }
            for header in ["Bearer S3CRET", "Bearer s3cre", "Bearer s3crets", "Basic s3cret", "Bearers3cret", "s3cret"] {
                let refused = try await client.send(.get, "/admin/online", authorization: header)
                #expect(refused.status == 401, "\(header)")
            }
        }
    }

    @Test("the token compare sees every byte: any difference, in any place or length, is a mismatch")
    func constantTimeCompare() {
        let secret = Array("0123456789abcdef".utf8)
        #expect(AdminAuthorization.constantTimeEquals(secret, secret))
        for index in secret.indices {
            var guess = secret
            guess[index] ^= 0x01
            #expect(!AdminAuthorization.constantTimeEquals(guess, secret), "differs at \(index)")
        }
        #expect(!AdminAuthorization.constantTimeEquals([], secret))
        #expect(!AdminAuthorization.constantTimeEquals(Array(secret.dropLast()), secret))
        #expect(!AdminAuthorization.constantTimeEquals(secret + [0], secret), "a trailing zero byte is no match")
        // Lengths that differ by a multiple of 256 must not cancel out.
        #expect(!AdminAuthorization.constantTimeEquals(secret + [UInt8](repeating: 0, count: 256), secret))
    }

    @Test("a known path asked with another method is 405 with Allow; unknown paths stay 404")
    func wrongMethods() async throws {
        let backend = RecordingBackend()
        try await withRouter(OperationsRoutes(backend: backend, adminToken: "t", version: "x")) { client in
            let cases: [(HTTPRequest.Method, String, String)] = [
                (.post, "/metrics", "GET"), (.delete, "/healthz", "GET"), (.head, "/metrics", "GET"),
                (.get, "/admin/kick?uid=1", "POST"), (.put, "/admin/broadcast", "POST"), (.post, "/admin/online", "GET"),
                (.post, "/metrics/", "GET"), (HTTPRequest.Method("PURGE")!, "/healthz", "GET"),
            ]
            for (method, path, allow) in cases {
                let response = try await client.send(method, path, token: "t", body: "x")
                #expect(response.status == 405 && response.headers[.allow] == allow, "\(method) \(path): \(response)")
                if method != .head { #expect(response.body == #"{"error":"method not allowed"}"#) }
            }
            #expect(try await client.send(.post, "/nowhere").status == 404)
            #expect(try await client.send(.get, "/admin/nowhere", token: "t").status == 404)
            #expect(try await client.send(.get, "/metrics").headers[.allow] == nil)
            // The admin API's answers to outsiders come first: 401 without the token.
            #expect(try await client.send(.get, "/admin/kick").status == 401)
        }
        #expect(backend.recorded.isEmpty, "a wrong method kicks and broadcasts nothing")
        try await withRouter(OperationsRoutes(backend: RecordingBackend(), adminToken: nil, version: "x")) { client in
            let wrongMethod = try await client.send(.get, "/admin/kick", token: "t")
            let rightMethod = try await client.send(.post, "/admin/kick?uid=1", token: "t")
            #expect(wrongMethod.status == 404 && rightMethod.status == 404)
        }
    }

    @Test("the 405 table names every route with the method it answers")
    func methodTable() async throws {
        try await withRouter(OperationsRoutes(backend: RecordingBackend(), adminToken: "t", version: "x")) { client in
            #expect(OperationsRoutes.methods.count == 5)
            for (path, method) in OperationsRoutes.methods {
                let response = try await client.send(method, path + "?uid=1", token: "t", body: "hello")
                #expect(response.status == 200, "\(method) \(path): \(response)")
            }
        }
    }
}
