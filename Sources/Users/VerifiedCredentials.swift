import Crypto
import Foundation

/// Remembers recent successful logins so that a client logging in again with
/// the same password skips bcrypt, the way mail servers' authentication
/// caches do. What is kept is an HMAC-SHA-256 of name, password and stored
/// hash under a key made at start-up and never written anywhere: it proves a
/// match, reveals nothing usable outside this process, and stops matching as
/// soon as the stored hash changes. Failures are never remembered, so the
/// lockout still counts every wrong password.
struct VerifiedCredentials<Instant: InstantProtocol> where Instant.Duration == Duration {
    /// How long a verified login is remembered; zero turns the cache off.
    let lifetime: Duration
    /// The most names remembered at once; past it, expired and then oldest entries go.
    let capacity: Int
    private let key = SymmetricKey(size: .bits256)
    private var entries: [String: (proof: HashedAuthenticationCode<SHA256>, expires: Instant)] = [:]

    init(lifetime: Duration, capacity: Int = 100_000) {
        self.lifetime = lifetime
        self.capacity = capacity
    }

    /// True if this name logged in with this password (against this stored hash) recently.
    func contains(_ username: String, password: String, hash: String, now: Instant) -> Bool {
        guard let entry = entries[username], entry.expires > now else { return false }
        // Constant-time comparison.
        return HMAC<SHA256>.isValidAuthenticationCode(entry.proof, authenticating: Self.message(username, password, hash),
                                                      using: key)
    }

    /// Remembers a login that bcrypt just verified.
    mutating func insert(_ username: String, password: String, hash: String, now: Instant) {
        guard lifetime > .zero else { return }
        if entries.count >= capacity, entries[username] == nil { evict(now: now) }
        let proof = HMAC<SHA256>.authenticationCode(for: Self.message(username, password, hash), using: key)
        entries[username] = (proof, now.advanced(by: lifetime))
    }

    /// Forgets a name (its password no longer verifies).
    mutating func remove(_ username: String) {
        entries[username] = nil
    }

    private mutating func evict(now: Instant) {
        entries = entries.filter { $0.value.expires > now }
        if entries.count >= capacity, let oldest = entries.min(by: { $0.value.expires < $1.value.expires }) {
            entries[oldest.key] = nil
        }
    }

    private static func message(_ username: String, _ password: String, _ hash: String) -> Data {
        Data("\(username)\u{0}\(password)\u{0}\(hash)".utf8)
    }
}
