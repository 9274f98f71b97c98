import GRDB
import Logging
import ServiceLifecycle

/// Copies the write-ahead log back into the database file from its own
/// connection, every 50 ms, so the writer's commits rarely stop for a
/// checkpoint (its copy and its fsync). A passive checkpoint waits for
/// nobody; the writer restarts the log from its start once it is all copied.
///
/// Under steady writes the log is never all copied at the moment a write
/// starts, so it grows to `fallbackPages` and the writer checkpoints the
/// rest itself: measured at 10 000 msg/s, a pause of about 5 ms every third
/// of a second. Checkpointing often keeps that rest, and the pause, small.
public struct WALCheckpointer: Service {
    /// The writer's own auto-checkpoint threshold, in pages: where the log
    /// restarts under steady load, and a fallback when no checkpointer runs
    /// (unit tests, tools).
    static let fallbackPages = 20_000

    private let path: String
    private let interval: Duration
    private let logger: Logger

    public init(path: String, interval: Duration = .milliseconds(50), logger: Logger) {
        self.path = path
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(1)
        let connection = try DatabaseQueue(path: path, configuration: configuration)
        while (try? await Task.sleep(for: interval)) != nil, !Task.isShuttingDownGracefully {
            do {
                let (logged, copied) = try await connection.writeWithoutTransaction { try $0.checkpoint(.passive) }
                logger.trace("WAL checkpoint", metadata: ["frames": "\(logged)", "copied": "\(copied)"])
            } catch let error as DatabaseError where error.resultCode == .SQLITE_BUSY || error.resultCode == .SQLITE_LOCKED {
                // Another daemon on the same file is checkpointing: its work counts for us too.
                logger.trace("WAL checkpoint skipped: busy")
            } catch {
                logger.warning("WAL checkpoint failed", metadata: ["error": "\(error)"])
            }
        }
        _ = try? await connection.writeWithoutTransaction { try $0.checkpoint(.passive) }
    }
}
