import MPIMCore

/// `MPIMError` on the wire and back, case for case: a refusal travels in the
/// reply (`ServiceError`), so the caller gets the very error the service threw.
extension Mpim_Services_V1_ServiceError {
    init(_ error: MPIMError) {
        self.init()
        switch error {
        case .noSuchUser: kind = .noSuchUser
        case .noSuchGroup: kind = .noSuchGroup
        case .notMember: kind = .notMember
        case .authFailed: kind = .authFailed
        case .authLocked: kind = .authLocked
        case .userExists: kind = .userExists
        case .invalidUsername: kind = .invalidUsername
        case .invalidPassword: kind = .invalidPassword
        case .refused(let text):
            kind = .refused
            reason = text
        case .internal(let text):
            kind = .internal
            reason = text
        case .unavailable: kind = .unavailable
        }
    }
}

extension MPIMError {
    /// The error a reply carries; a kind this build does not know (a newer
    /// server's) reads as an internal failure rather than as success.
    init(_ error: Mpim_Services_V1_ServiceError) {
        switch error.kind {
        case .noSuchUser: self = .noSuchUser
        case .noSuchGroup: self = .noSuchGroup
        case .notMember: self = .notMember
        case .authFailed: self = .authFailed
        case .authLocked: self = .authLocked
        case .userExists: self = .userExists
        case .invalidUsername: self = .invalidUsername
        case .invalidPassword: self = .invalidPassword
        case .refused: self = .refused(error.reason)
        case .internal: self = .internal(error.reason)
        case .unavailable: self = .unavailable
        case .unspecified, .UNRECOGNIZED: self = .internal("unknown service error")
        }
    }
}
