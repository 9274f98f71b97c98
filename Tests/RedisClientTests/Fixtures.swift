import Logging
import RedisClient
import Synchronization
import TestSupport
import Testing

let testLogger = Logger(label: "RedisClientTests") { _ in SwiftLogNoOpLogHandler() }

/// A configuration for the test server, with short backoffs so reconnects happen quickly.
func testConfiguration(port: Int, database: Int = 0, commandTimeout: Duration = .seconds(1), maxQueuedCommands: Int = 100_000) -> RedisConfiguration {
    RedisConfiguration(
        port: port, database: database, commandTimeout: commandTimeout,
        reconnectBackoffMin: .milliseconds(20), reconnectBackoffMax: .milliseconds(200),
        maxQueuedCommands: maxQueuedCommands
    )
}

/// Runs `body` with a started, connected connection and always shuts it down afterwards.
func withConnection<Result>(
    _ configuration: RedisConfiguration, onConnect: (@Sendable () -> Void)? = nil,
    _ body: (RedisConnection) async throws -> Result
) async throws -> Result {
    let connection = RedisConnection(configuration: configuration, label: "test", logger: testLogger)
    if let onConnect { connection.onConnect(onConnect) }
    connection.start()
    return try await withCleanup {
        try await eventually("the connection comes up") { connection.isConnected }
        return try await body(connection)
    } cleanup: {
        await connection.shutdown()
    }
}

/// Runs `body` with a started, subscribed subscriber and always shuts it down afterwards.
func withSubscriber<Result>(
    _ configuration: RedisConfiguration, channels: [String], inbox: Inbox,
    _ body: (RedisSubscriber) async throws -> Result
) async throws -> Result {
    let subscriber = RedisSubscriber(
        configuration: configuration, channels: channels, label: "test-sub", logger: testLogger,
        onMessage: { channel, payload in inbox.receive(channel, payload) }
    )
    subscriber.onSubscribed { inbox.countSubscribe() }
    subscriber.start()
    return try await withCleanup {
        try await eventually("the subscriber subscribes") { subscriber.isSubscribed }
        return try await body(subscriber)
    } cleanup: {
        await subscriber.shutdown()
    }
}

/// What a subscriber delivered, collected from its thread.
final class Inbox: Sendable {
    struct Message: Equatable, Sendable {
        let channel: String
        let payload: [UInt8]
    }

    private let state = Mutex<(messages: [Message], subscribes: Int)>(([], 0))

    var messages: [Message] { state.withLock { $0.messages } }
    var subscribes: Int { state.withLock { $0.subscribes } }

    func receive(_ channel: String, _ payload: [UInt8]) {
        state.withLock { $0.messages.append(Message(channel: channel, payload: payload)) }
    }

    func countSubscribe() {
        state.withLock { $0.subscribes += 1 }
    }
}

/// The error `body` throws, as a `RedisError` (nil if it succeeded or threw something else).
func redisError(_ body: () async throws -> Any) async -> RedisError? {
    do {
        _ = try await body()
        return nil
    } catch {
        return error as? RedisError
    }
}
