import Logging
import MPIMCore

extension AppDatabase {
    /// Runs store calls for a service: domain errors (`MPIMError`) pass
    /// through; anything else is logged with `what` failed and becomes
    /// `.internal("store unavailable")`, the one reason clients see.
    public func run<T: Sendable>(
        _ what: String, logger: Logger, _ body: (AppDatabase) async throws -> T
    ) async throws(MPIMError) -> T {
        do {
            return try await body(self)
        } catch let error as MPIMError {
            throw error
        } catch {
            logger.error("\(what) failed", metadata: ["error": "\(error)"])
            throw .internal("store unavailable")
        }
    }
}
