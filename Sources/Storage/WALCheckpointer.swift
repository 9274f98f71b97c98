import GRDB
import Logging
import ServiceLifecycle

/// Copies the write-ahead log back into the database file from its own
/// connection, so the writer's commits rarely stop for a checkpoint (its
/// copy and its fsyncs). A passive checkpoint waits for nobody.
///
/// Under steady writes the log is never all copied at the moment a write
/// starts, so it only restarts from its start when it reaches the restart
/// size: then the writer's commit copies the rest itself and syncs both
/// files, and the next commit syncs the new log header. That pause is the
/// cost of a restart, so the log is large (200 MB by default: at 10 000
/// msg/s one restart every ~5 s instead of ~0.5 s at 20 MB, which put a
/// pause into about 1% of the sends), and the pause is kept short: near the
/// restart size this checkpoints every 2 ms and syncs the database file
/// each time, leaving the writer a few milliseconds of log to copy and
/// little to sync.
public struct WALCheckpointer: Service {
    /// The pace while the log is well below the restart size.
    static let interval: Duration = .milliseconds(50)
    /// The pace near the restart size.
    static let sprintInterval: Duration = .milliseconds(2)

    private let configuration: AppDatabase.Configuration
    private let logger: Logger

    public init(configuration: AppDatabase.Configuration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    /// The restart size in pages of this database.
    static func restartPages(_ db: Database, _ configuration: AppDatabase.Configuration) throws -> Int {
        let pageSize = try Int.fetchOne(db, sql: "PRAGMA page_size") ?? 4096
        return max(1, configuration.walRestartBytes / pageSize)
    }

    /// How long to wait before the next checkpoint, given the last one's
    /// result: frames in the log and frames copied from it.
    static func pause(logged: Int, copied: Int, restartPages: Int) -> Duration {
        let sprintFrom = restartPages - min(8_000, restartPages / 4)
        return logged >= sprintFrom && copied < logged ? sprintInterval : interval
    }

    public func run() async throws {
        var databaseConfiguration = Configuration()
        databaseConfiguration.busyMode = .timeout(1)
        let connection = try DatabaseQueue(path: configuration.path, configuration: databaseConfiguration)
        let restartPages = try await connection.read { [configuration] in try Self.restartPages($0, configuration) }
        var pause = Self.interval
        while (try? await Task.sleep(for: pause)) != nil, !Task.isShuttingDownGracefully {
            let syncDatabase = pause == Self.sprintInterval
            do {
                let (logged, copied) = try await connection.writeWithoutTransaction { db in
                    let result = try db.checkpoint(.passive)
                    // Only a checkpoint that copies the whole log syncs the
                    // database file; under load that is the writer's, at the
                    // restart. Synced here, it has little left to write.
                    if syncDatabase, result.checkpointedFrameCount > 0 { try db.syncMainFile() }
                    return result
                }
                pause = Self.pause(logged: logged, copied: copied, restartPages: restartPages)
                logger.trace("WAL checkpoint", metadata: ["frames": "\(logged)", "copied": "\(copied)"])
            } catch let error as DatabaseError where error.resultCode == .SQLITE_BUSY || error.resultCode == .SQLITE_LOCKED {
                // Another daemon on the same file is checkpointing: its work counts for us too.
                pause = Self.interval
                logger.trace("WAL checkpoint skipped: busy")
            } catch {
                pause = Self.interval
                logger.warning("WAL checkpoint failed", metadata: ["error": "\(error)"])
            }
        }
        _ = try? await connection.writeWithoutTransaction { try $0.checkpoint(.passive) }
    }
}
