/// Which pages may open the socket: a browser names the page's origin in
/// the upgrade request (`Origin`), and a page from another site must not
/// act for a user who visits it. Clients other than browsers send no
/// origin and are let in, as on the TCP port.
public struct OriginPolicy: Sendable, Equatable {
    /// Origins allowed besides the listener's own (`[web] allowed_origins`):
    /// `scheme://host[:port]`, or `*` for any.
    public var allowed: [String]

    public init(allowed: [String] = []) {
        self.allowed = allowed
    }

    /// Whether a request with this `Origin` (nil: none sent), for a page
    /// served from `host` (the request's `Host`), may open the socket.
    public func admits(origin: String?, host: String?) -> Bool {
        guard let origin else { return true }
        if allowed.contains("*") || allowed.contains(origin) { return true }
        // The page this listener served itself: same host and port.
        guard let host, let separator = origin.range(of: "://") else { return false }
        return origin[separator.upperBound...].lowercased() == host.lowercased()
    }
}
