import GRDB
import Logging
import ServiceLifecycle

/// Copies the write-ahead log back into the database file from its own
/// connection, a few times a second, so the writer's commits never stop for
/// a checkpoint (its copy and its fsync). A passive checkpoint waits for
/// nobody; the writer restarts the log from its start once it is all copied.
public struct WALCheckpointer: Service {
    /// The writer's own auto-checkpoint threshold, in pages: a fallback for
    /// when no checkpointer runs (unit tests, tools).
    static let fallbackPages = 20_000

    private let path: String
    private let interval: Duration
    private let logger: Logger

    public init(path: String, interval: Duration = .milliseconds(250), logger: Logger) {
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
