import MPIMCore
import SwiftProtobuf

/// A reply message whose `outcome` is either the method's result or a
/// `ServiceError`. The server adapters build replies with `answering`, the
/// clients read them with `result`; each reply type says only how its value
/// maps, in `Replies.swift`.
protocol ServiceReply: SwiftProtobuf.Message, Sendable {
    associatedtype Value: Sendable

    init(value: Value)
    init(error: Mpim_Services_V1_ServiceError)
    /// The value, the error, or nil when the reply holds neither (a peer that
    /// sent a result this build does not know).
    var outcomeResult: Result<Value, MPIMError>? { get }
}

extension ServiceReply {
    /// Runs a call of the Swift contract and puts what it returned or threw in a reply.
    static func answering(_ call: () async throws(MPIMError) -> Value) async -> Self {
        do {
            return Self(value: try await call())
        } catch {
            return Self(error: Mpim_Services_V1_ServiceError(error))
        }
    }

    /// The result the reply carries, as the Swift contract returns it.
    var result: Result<Value, MPIMError> {
        outcomeResult ?? .failure(.internal("empty service reply"))
    }
}
