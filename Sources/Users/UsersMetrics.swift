import MPIMCore
import Metrics

/// Users' metrics (exported by the daemon's /metrics; no-ops in unit tests).
/// Made by `prepare()`, so /metrics shows them at 0 before the first failure.
enum UsersMetrics {
    private static let authFailed = Counter(label: "mpim_login_failures_total", dimensions: [("reason", "auth_failed")])
    private static let authLocked = Counter(label: "mpim_login_failures_total", dimensions: [("reason", "auth_locked")])
    static let lockouts = Counter(label: "mpim_login_lockouts_total")

    static func prepare() {
        _ = (authFailed, authLocked, lockouts)
    }

    /// Counts a refused LOGIN; other errors (the store failing) are no login failure.
    static func loginRefused(_ error: MPIMError) {
        switch error {
        case .authFailed: authFailed.increment()
        case .authLocked: authLocked.increment()
        default: break
        }
    }
}
