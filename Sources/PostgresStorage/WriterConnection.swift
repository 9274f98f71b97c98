import Logging
import NIOCore
import NIOPosix
import PostgresNIO
import Synchronization

/// A connection of the message writer's own, used with event-loop futures:
/// a query is written on the connection's event loop and its rows come back
/// through one promise, with no Swift task or pool lease in between. Through
/// the pool, each small batch lost about 2 ms to those hops (a 16 x 1 closed
/// loop read 3.7 ms per call where the server spent 1.9).
///
/// Connects on first use, and again after the connection was lost or a
/// query got no answer in time.
final class WriterConnection: Sendable {
    private let configuration: PostgresConnection.Configuration
    private let eventLoop: any EventLoop
    private let connection = Mutex<Open?>(nil)
    private let logger: Logger

    init(configuration: PostgresConnection.Configuration, logger: Logger) {
        self.configuration = configuration
        eventLoop = MultiThreadedEventLoopGroup.singleton.next()
        self.logger = logger
    }

    /// `call`'s rows, or `DeadlineExceeded` after `timeout` (connecting
    /// included), on the connection's event loop. Sent at once when called
    /// on that loop, as the next batch is from the answer to the one before;
    /// the connection prepares the statement on its first call.
    func start(_ call: PreparedCall, timeout: Duration) -> EventLoopFuture<[PostgresRow]> {
        let answer = eventLoop.makePromise(of: [PostgresRow].self)
        let deadline = eventLoop.scheduleTask(in: TimeAmount(timeout)) {
            answer.fail(DeadlineExceeded(timeout: timeout))
        }
        answer.futureResult.whenComplete { [self] result in
            deadline.cancel()
            // Queries queue behind the one that got no answer (a cut link):
            // the next call starts on a new connection.
            if case .failure(let error) = result, error is DeadlineExceeded { close() }
        }
        connected().flatMap { open in
            open.prepared(call.sql).flatMap { $0.execute(call.binds) }
        }.cascade(to: answer)
        return answer.futureResult
    }

    deinit {
        close()
    }

    /// Closes the connection (without waiting); the next query opens
    /// another. A connection must be closed before it goes: it is kept until
    /// it is.
    func close() {
        let open = connection.withLock { open in
            defer { open = nil }
            return open
        }
        open?.connection.close().whenComplete { _ in _ = open }
    }

    private func connected() -> EventLoopFuture<Open> {
        if let open = connection.withLock({ $0 }), !open.connection.isClosed {
            return eventLoop.makeSucceededFuture(open)
        }
        return PostgresConnection.connect(on: eventLoop, configuration: configuration, id: 1, logger: logger)
            .map { new in
                let open = Open(new)
                self.connection.withLock { $0 = open }
                return open
            }
    }

    /// An open connection and the statements prepared on it.
    private final class Open: Sendable {
        let connection: PostgresConnection
        private let statements = Mutex<[String: PreparedQuery]>([:])

        init(_ connection: PostgresConnection) {
            self.connection = connection
        }

        /// The statement prepared on this connection, preparing it first if need be.
        func prepared(_ sql: String) -> EventLoopFuture<PreparedQuery> {
            if let statement = statements.withLock({ $0[sql] }) {
                return connection.eventLoop.makeSucceededFuture(statement)
            }
            return connection.prepare(query: sql).map { [self] statement in
                statements.withLock { $0[sql] = statement }
                return statement
            }
        }
    }
}
