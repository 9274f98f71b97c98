import Logging
import MPIMCore
import PostgresNIO
import ServiceLifecycle

/// The PostgreSQL database every service's store keeps its own tables in:
/// the pool, the schema's migrations, and the time limits of every call.
///
/// Several daemons may share one database: migrations run under an advisory
/// lock, and each store serializes what must be serialized cluster-wide.
public final class PostgresDatabase: Service, Sendable {
    public let configuration: PostgresConfiguration
    /// The pool the stores query through (only inside `run`/`runBlocking`,
    /// which bound each call by the statement timeout).
    private let client: PostgresClient
    /// The pool's own `run()`, started by `open` so that migrations and
    /// queries work before the service group starts.
    private let clientTask: Task<Void, Never>
    /// The message writer's connections (`runBlocking`), one per lane.
    private let messageWriter: WriterConnection
    private let receiptWriter: WriterConnection
    private let reachability = Reachability()
    private let logger: Logger

    /// How long the migrations may take at start, all together.
    static let migrationTimeout: Duration = .seconds(60)

    private init(configuration: PostgresConfiguration, client: PostgresClient, clientTask: Task<Void, Never>,
                 writerConfiguration: PostgresConnection.Configuration, logger: Logger) {
        self.configuration = configuration
        self.client = client
        self.clientTask = clientTask
        messageWriter = WriterConnection(configuration: writerConfiguration, logger: logger)
        // A receipt lost in a crash only means its message is pulled once
        // more: the receipts' commits do not wait for the disk (the WAL
        // writer flushes them within wal_writer_delay), and so never hold
        // the WAL flush a batch of messages waits for.
        var receiptConfiguration = writerConfiguration
        receiptConfiguration.options.additionalStartupParameters.append(("synchronous_commit", "off"))
        receiptWriter = WriterConnection(configuration: receiptConfiguration, logger: logger)
        self.logger = logger
    }

    /// Connects (within `connectTimeout`), brings the schema up to date;
    /// errors are clear and never print the password.
    public static func open(_ configuration: PostgresConfiguration, schema: PostgresSchema, logger: Logger)
        async throws -> PostgresDatabase
    {
        let url = configuration.redactedURL
        let clientConfiguration: PostgresClient.Configuration
        let connectionConfiguration: PostgresConnection.Configuration
        let migrationConfiguration: PostgresConnection.Configuration
        do {
            clientConfiguration = try configuration.clientConfiguration()
            connectionConfiguration = try configuration.connectionConfiguration()
            migrationConfiguration = try configuration.connectionConfiguration(statementTimeout: migrationTimeout)
        } catch {
            throw PostgresOpenError(url: url, reason: error.description)
        }
        // The first connection is made here, not by the pool: the pool retries
        // a failed connection quietly, and its reason (refused, bad password,
        // no such database) would never reach the operator.
        let connection: PostgresConnection
        do {
            connection = try await withDeadline(configuration.connectTimeout) {
                try await PostgresConnection.connect(configuration: migrationConfiguration, id: 0, logger: logger)
            }
        } catch {
            throw PostgresOpenError(url: url, reason: PostgresFailure.describe(error))
        }
        do {
            try await withDeadline(migrationTimeout) {
                try await PostgresMigrator.migrate(connection, to: schema, logger: logger)
            }
        } catch let refusal as UnknownPostgresSchemaError {
            try? await connection.close()
            throw PostgresOpenError(url: url, reason: refusal.description)
        } catch {
            try? await connection.close()
            throw PostgresOpenError(url: url, reason: "migrating the schema failed: \(PostgresFailure.describe(error))")
        }
        try? await connection.close()

        let client = PostgresClient(configuration: clientConfiguration, backgroundLogger: logger)
        let database = PostgresDatabase(
            configuration: configuration, client: client, clientTask: Task { await client.run() },
            writerConfiguration: connectionConfiguration, logger: logger)
        do {
            try await database.healthProbe()
        } catch {
            await database.close()
            throw PostgresOpenError(url: url, reason: PostgresFailure.describe(error))
        }
        logger.info("PostgreSQL database open", metadata: ["url": "\(url)"])
        return database
    }

    /// Keeps the pool until graceful shutdown (or cancellation), then closes it.
    public func run() async throws {
        try await withTaskCancellationHandler {
            try? await gracefulShutdown()
            await close()
        } onCancel: {
            clientTask.cancel()
        }
        try Task.checkCancellation()
    }

    /// Closes the pool: its connections end, and later calls fail.
    public func close() async {
        clientTask.cancel()
        await clientTask.value
        messageWriter.close()
        receiptWriter.close()
    }

    /// Whether the database takes a write, for /healthz: a round trip that
    /// assigns a transaction id, which a read-only server (a standby) refuses.
    /// Throws when it does not answer within the statement timeout.
    public func healthProbe() async throws {
        try await bounded { client in try await client.query("SELECT txid_current()").collect() }
    }

    /// Runs one store call's queries within the statement timeout. Domain
    /// errors (`MPIMError`) pass through; anything else is logged with
    /// `what` failed and becomes `.internal("store unavailable")`, the one
    /// reason clients see (as the SQLite stores do).
    public func run<T: Sendable>(
        _ what: String, logger: Logger, _ body: @escaping @Sendable (PostgresClient) async throws -> T
    ) async throws(MPIMError) -> T {
        do {
            return try await bounded(body)
        } catch let error as MPIMError {
            throw error
        } catch is ServerUnreachable {
            throw .internal("store unavailable")
        } catch {
            logger.error("\(what) failed", metadata: ["error": "\(PostgresFailure.describe(error))"])
            throw .internal("store unavailable")
        }
    }

    /// A thread of the message writer; each has a connection of its own.
    public enum WriterLane: Sendable {
        case messages
        case receipts
    }

    /// Runs `call` on the connection of the message writer's `lane`,
    /// blocking the calling thread until its rows are in or the statement
    /// timeout has passed: for that writer thread only. Failures are thrown
    /// as `PostgresQueryError` (the writer logs them and answers `store
    /// unavailable`).
    public func runBlocking(_ call: PreparedCall, lane: WriterLane) throws -> [PostgresRow] {
        guard reachability.admits() else { throw PostgresQueryError(description: ServerUnreachable().description) }
        return try settled(Result { try writer(lane).start(call, timeout: configuration.callerTimeout).wait() }).get()
    }

    /// Sends `call` on the connection of the message writer's `lane` and
    /// returns at once: `answer` gets what `runBlocking` would return or
    /// throw, on the connection's event loop (at once on the calling thread
    /// while the server is unreachable).
    public func start(
        _ call: PreparedCall, lane: WriterLane,
        answer: @escaping @Sendable (Result<[PostgresRow], PostgresQueryError>) -> Void
    ) {
        guard reachability.admits() else {
            return answer(.failure(PostgresQueryError(description: ServerUnreachable().description)))
        }
        writer(lane).start(call, timeout: configuration.callerTimeout).whenComplete { [self] result in
            answer(settled(result))
        }
    }

    /// A writer call's outcome, told to `Reachability`.
    private func settled(_ result: Result<[PostgresRow], any Error>) -> Result<[PostgresRow], PostgresQueryError> {
        result.mapError { error in
            failed(error)
            return PostgresQueryError(description: PostgresFailure.describe(error))
        }.map { rows in
            answered()
            return rows
        }
    }

    private func writer(_ lane: WriterLane) -> WriterConnection {
        switch lane {
        case .messages: messageWriter
        case .receipts: receiptWriter
        }
    }

    /// `body` within the statement timeout, or at once `ServerUnreachable`
    /// while the server is known not to answer (`Reachability`).
    private func bounded<T: Sendable>(_ body: @escaping @Sendable (PostgresClient) async throws -> T) async throws -> T {
        guard reachability.admits() else { throw ServerUnreachable() }
        do {
            let result = try await withDeadline(configuration.callerTimeout) { [client] in try await body(client) }
            answered()
            return result
        } catch {
            failed(error)
            throw error
        }
    }

    private func answered() {
        if reachability.answered() { logger.notice("PostgreSQL answers again") }
    }

    private func failed(_ error: any Error) {
        if !PostgresFailure.isUnreachable(error) {
            answered()
        } else if reachability.unreachable() {
            logger.warning("PostgreSQL unreachable; store calls fail at once until it answers again", metadata: [
                "error": "\(PostgresFailure.describe(error))",
            ])
        }
    }
}

/// A call not sent: the server did not answer the calls before it.
struct ServerUnreachable: Error, CustomStringConvertible {
    var description: String { "PostgreSQL unreachable (the calls before did not get an answer)" }
}
