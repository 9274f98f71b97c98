import RedisClient
import Synchronization
import TestSupport
import Testing

@Suite("RedisSubscriber")
struct RedisSubscriberTests {
    @Test("a subscriber receives published messages")
    func receives() async throws {
        try await withRedisServer { server in
            let configuration = testConfiguration(port: server.port)
            let inbox = Inbox()
            try await withSubscriber(configuration, channels: ["alpha", "beta"], inbox: inbox) { _ in
                try await withConnection(configuration) { redis in
                    let binary: [UInt8] = [0, 13, 10, 0xFF]
                    #expect(try await redis.command(["PUBLISH", "alpha", "hello"]).int == 1)
                    #expect(try await redis.command(bytes: [Array("PUBLISH".utf8), Array("beta".utf8), binary]).int == 1)
                    #expect(try await redis.command(["PUBLISH", "gamma", "not for us"]).int == 0)
                    try await eventually("both messages arrive") { inbox.messages.count == 2 }
                    #expect(inbox.messages == [
                        .init(channel: "alpha", payload: Array("hello".utf8)),
                        .init(channel: "beta", payload: binary),
                    ])
                }
            }
        }
    }

    @Test("a quiet subscriber stays subscribed past commandTimeout")
    func quietSubscriberStays() async throws {
        try await withRedisServer { server in
            let configuration = testConfiguration(port: server.port, commandTimeout: .milliseconds(100))
            let inbox = Inbox()
            try await withSubscriber(configuration, channels: ["quiet"], inbox: inbox) { subscriber in
                try await Task.sleep(for: .milliseconds(500))
                #expect(subscriber.isSubscribed)
                #expect(inbox.subscribes == 1)
            }
        }
    }

    @Test("a subscriber resubscribes after Redis restarts")
    func resubscribes() async throws {
        try await withRedisServer { server in
            let configuration = testConfiguration(port: server.port)
            let inbox = Inbox()
            try await withSubscriber(configuration, channels: ["events"], inbox: inbox) { subscriber in
                try await eventually("onSubscribed runs") { inbox.subscribes == 1 }
                try await server.restart()
                try await eventually("the subscriber subscribes again") { inbox.subscribes == 2 }
                #expect(subscriber.isSubscribed)
                try await withConnection(configuration) { redis in
                    #expect(try await redis.command(["PUBLISH", "events", "after restart"]).int == 1)
                    try await eventually("the message arrives") { !inbox.messages.isEmpty }
                    #expect(inbox.messages == [.init(channel: "events", payload: Array("after restart".utf8))])
                }
            }
        }
    }

    @Test("shutdown is prompt while the subscriber is blocked")
    func promptShutdown() async throws {
        try await withRedisServer { server in
            let subscriber = RedisSubscriber(
                configuration: testConfiguration(port: server.port), channels: ["quiet"], label: "blocked",
                logger: testLogger, onMessage: { _, _ in }
            )
            subscriber.start()
            try await eventually("the subscriber subscribes") { subscriber.isSubscribed }
            try await Task.sleep(for: .milliseconds(200))  // well into the blocking read

            let start = ContinuousClock.now
            await subscriber.shutdown()
            #expect(ContinuousClock.now - start < .seconds(1))
            #expect(!subscriber.isSubscribed)
            await subscriber.shutdown()
        }
    }

    @Test("shutdown is prompt while the subscriber waits to reconnect")
    func promptShutdownWhileDown() async throws {
        let port = try freeLoopbackPort()  // nothing listens on it
        let subscriber = RedisSubscriber(
            configuration: RedisConfiguration(port: port, reconnectBackoffMin: .seconds(5)),
            channels: ["quiet"], label: "down", logger: testLogger, onMessage: { _, _ in }
        )
        subscriber.start()
        try await Task.sleep(for: .milliseconds(200))
        let start = ContinuousClock.now
        await subscriber.shutdown()
        #expect(ContinuousClock.now - start < .seconds(1))
    }
}

/// A thread-safe counter for callbacks that run on connection threads.
final class Counter: Sendable {
    private let count = Mutex(0)
    var value: Int { count.withLock { $0 } }
    func increment() { count.withLock { $0 += 1 } }
}
