/// Checks a request's `Authorization` header against the admin token.
struct AdminAuthorization: Sendable {
    private let token: [UInt8]

    init(token: String) {
        self.token = Array(token.utf8)
    }

    /// Whether the header is `Bearer <token>`: the scheme in any case (RFC 7235
    /// auth-schemes are case-insensitive), one or more spaces, then the token,
    /// compared in constant time.
    func admits(_ header: String?) -> Bool {
        guard let header else { return false }
        let bytes = Array(header.utf8)
        let space = UInt8(ascii: " ")
        guard let end = bytes.firstIndex(of: space),
              String(decoding: bytes[..<end], as: UTF8.self).lowercased() == "bearer"
        else { return false }
        return Self.constantTimeEquals(Array(bytes[end...].drop { $0 == space }), token)
    }

    /// Whether `given` equals `secret`, looking at every byte of the secret
    /// whatever `given` holds: no exit at the first difference, and a length
    /// difference folded into the result rather than returned early, so the
    /// time taken says nothing of how much of a guess was right.
    static func constantTimeEquals(_ given: [UInt8], _ secret: [UInt8]) -> Bool {
        var difference = UInt(bitPattern: given.count ^ secret.count)
        for index in secret.indices {
            let byte = index < given.count ? given[index] : 0
            difference |= UInt(byte ^ secret[index])
        }
        return difference == 0
    }
}
