import Logging

/// A run of failures of one Redis operation done per session (bind, unbind,
/// route refresh), logged as one warning at its first failure and one line
/// with the count when the operation next succeeds: while Redis is down every
/// login and logout fails, and a warning each would bury everything else.
struct FailureStreak {
    /// What failed, as the log says it: "bind", "unbind", "route refresh".
    let operation: String
    private(set) var failures = 0

    init(_ operation: String) {
        self.operation = operation
    }

    mutating func failed(_ error: any Error, logger: Logger, metadata: Logger.Metadata = [:]) {
        failures += 1
        guard failures == 1 else { return }
        var metadata = metadata
        metadata["error"] = "\(error)"
        logger.warning("\(operation) failed; further failures are counted until one succeeds", metadata: metadata)
    }

    mutating func succeeded(logger: Logger) {
        guard failures > 0 else { return }
        logger.info("\(operation) succeeds again", metadata: ["failures": "\(failures)"])
        failures = 0
    }
}
