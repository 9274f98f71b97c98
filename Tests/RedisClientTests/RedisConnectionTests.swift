import Foundation
import RedisClient
import TestSupport
import Testing

@Suite("RedisConnection")
struct RedisConnectionTests {
    @Test("a command round-trips SET/GET, binary-safe")
    func roundTrip() async throws {
        try await withRedisServer { server in
            try await withConnection(testConfiguration(port: server.port)) { redis in
                let binary: [UInt8] = [0, 1, 13, 10, 0xFF, 0xFE, 0x24, 0x2A, 0]
                let key: [UInt8] = Array("bin\u{0}key".utf8)
                #expect(try await redis.command(bytes: [Array("SET".utf8), key, binary]) == .simpleString("OK"))
                #expect(try await redis.command(bytes: [Array("GET".utf8), key]) == .bulkString(binary))

                #expect(try await redis.command(["SET", "text", "héllo"]).string == "OK")
                #expect(try await redis.command(["GET", "text"]).string == "héllo")
                #expect(try await redis.command(["SET", "empty", ""]).string == "OK")
                #expect(try await redis.command(["GET", "empty"]) == .bulkString([]))
                #expect(try await redis.command(["GET", "missing"]).isNull)
                #expect(try await redis.command(["INCRBY", "n", "41"]).int == 41)
                #expect(try await redis.command(["GET", "n"]).int == 41)
                let list = try await redis.command(["MGET", "text", "missing"])
                #expect(list == .array([.bulkString(Array("héllo".utf8)), .null]))
            }
        }
    }

    @Test("binary payloads (NUL, CR, LF, bytes that are not UTF-8) go out pipelined and come back from a stream unchanged")
    func binaryStreamEntries() async throws {
        try await withRedisServer { server in
            try await withConnection(testConfiguration(port: server.port)) { redis in
                let payloads: [[UInt8]] = [
                    [0x08, 0x01, 0x12, 0x00, 0x0A, 0x0D, 0x0A, 0x00, 0xFF, 0x80],
                    Array((0...255).map(UInt8.init)) + [0, 0, 10, 10],
                    [], [0], [10],
                ]
                let words = ["XADD", "binary", "*", "envelope"].map { Array($0.utf8) }
                let added = try await redis.pipeline(bytes: payloads.map { words + [$0] })
                #expect(added.allSatisfy { $0.string != nil }, "\(added)")
                let read = try await redis.command(["XRANGE", "binary", "-", "+"])
                // [[id, [field, value]], ...]
                let values = (read.array ?? []).map { $0.array?.last?.array?.last?.bytes }
                #expect(values == payloads)
            }
        }
    }

    @Test("a pipeline of 1000 commands answers in order")
    func pipelineOrder() async throws {
        try await withRedisServer { server in
            try await withConnection(testConfiguration(port: server.port)) { redis in
                let replies = try await redis.pipeline((0..<1000).map { ["ECHO", "value-\($0)"] })
                #expect(replies == (0..<1000).map { .bulkString(Array("value-\($0)".utf8)) })
                #expect(try await redis.pipeline([]) == [])
            }
        }
    }

    @Test("concurrent callers from many tasks are all answered")
    func concurrentCallers() async throws {
        try await withRedisServer { server in
            try await withConnection(testConfiguration(port: server.port)) { redis in
                let results = try await withThrowingTaskGroup(of: [Int64].self) { group in
                    for _ in 0..<50 {
                        group.addTask {
                            var seen: [Int64] = []
                            for _ in 0..<200 { seen.append(try await redis.command(["INCR", "counter"]).int ?? -1) }
                            return seen
                        }
                    }
                    return try await group.reduce(into: []) { $0 += $1 }
                }
                // Every caller got its own reply: each INCR value exactly once.
                #expect(results.sorted() == Array(1...10_000))
                #expect(try await redis.command(["GET", "counter"]).int == 10_000)
            }
        }
    }

    @Test("error replies become RedisError.server / .error values")
    func errorReplies() async throws {
        try await withRedisServer { server in
            try await withConnection(testConfiguration(port: server.port)) { redis in
                let error = await redisError { try await redis.command(["NOSUCHCOMMAND", "x"]) }
                guard case .server(let message) = error else {
                    Issue.record("expected .server, got \(String(describing: error))")
                    return
                }
                #expect(message.hasPrefix("ERR unknown command"))

                let replies = try await redis.pipeline([["SET", "k", "v"], ["INCR", "k"], ["GET", "k"], []])
                #expect(replies.count == 4)
                #expect(replies[0] == .simpleString("OK"))
                #expect(replies[1] == .error("ERR value is not an integer or out of range"))
                #expect(replies[2].string == "v")
                #expect(replies[3] == .error("ERR empty command"))
                // The connection is still in step after the errors.
                #expect(try await redis.command(["PING"]) == .simpleString("PONG"))
            }
        }
    }

    @Test("SELECT of the configured database is applied")
    func selectsDatabase() async throws {
        try await withRedisServer { server in
            try await withConnection(testConfiguration(port: server.port, database: 3)) { db3 in
                #expect(try await db3.command(["SET", "where", "three"]).string == "OK")
                #expect(try await db3.command(["CLIENT", "INFO"]).string?.contains(" db=3 ") == true)
                try await withConnection(testConfiguration(port: server.port)) { db0 async throws in
                    #expect(try await db0.command(["GET", "where"]).isNull)
                    #expect(try await db0.command(["SELECT", "3"]).string == "OK")
                    #expect(try await db0.command(["GET", "where"]).string == "three")
                }
            }
        }
    }

    @Test("commands fail fast with .unavailable while Redis is down, and the connection comes back after Redis restarts")
    func reconnects() async throws {
        try await withRedisServer { server in
            let connects = Counter()
            let configuration = testConfiguration(port: server.port, database: 2)
            try await withConnection(configuration, onConnect: { connects.increment() }) { redis in
                try await eventually("onConnect runs") { connects.value == 1 }
                await server.stop()

                // The first command may be the one that finds the connection broken; both ways it is .unavailable.
                let first = await redisError { try await redis.command(["PING"]) }
                #expect(first?.isUnavailable == true)
                try await eventually("the connection notices Redis is down") { !redis.isConnected }
                let start = ContinuousClock.now
                let whileDown = await redisError { try await redis.pipeline([["PING"]]) }
                #expect(whileDown?.isUnavailable == true)
                #expect(ContinuousClock.now - start < .milliseconds(100))

                try await server.restart()
                try await eventually("a command succeeds after the restart") {
                    (try? await redis.command(["PING"])) == .simpleString("PONG")
                }
                try await eventually("onConnect runs again") { connects.value == 2 }
                // SELECT is applied after a reconnect too.
                #expect(try await redis.command(["CLIENT", "INFO"]).string?.contains(" db=2 ") == true)
            }
        }
    }

    @Test("a connection started while Redis is down connects once it is up")
    func connectsLate() async throws {
        let directory = try makeTemporaryDirectory(prefix: "mpim-redis")
        let server = try RedisServerProcess.unstarted(in: directory)
        let redis = RedisConnection(configuration: testConfiguration(port: server.port), label: "late", logger: testLogger)
        redis.start()
        try await withCleanup {
            try await Task.sleep(for: .milliseconds(100))
            #expect(await redisError { try await redis.command(["PING"]) }?.isUnavailable == true)
            try await server.start()
            try await eventually("the connection comes up") { redis.isConnected }
            #expect(try await redis.command(["PING"]) == .simpleString("PONG"))
        } cleanup: {
            await redis.shutdown()
            await server.stop()
            try? FileManager.default.removeItem(at: directory)
        }
    }

    @Test("a command that outlives commandTimeout fails with .timeout and the connection recovers")
    func timeout() async throws {
        try await withRedisServer { server in
            let configuration = testConfiguration(port: server.port, commandTimeout: .milliseconds(200))
            try await withConnection(configuration) { redis in
                let start = ContinuousClock.now
                #expect(await redisError { try await redis.command(["BLPOP", "nothing", "2"]) } == .timeout)
                #expect(ContinuousClock.now - start < .seconds(1))
                try await eventually("the connection is back") {
                    (try? await redis.command(["PING"])) == .simpleString("PONG")
                }
            }
        }
    }

    @Test("a full queue fails fast with .overloaded")
    func overloaded() async throws {
        try await withRedisServer { server in
            try await withConnection(testConfiguration(port: server.port, maxQueuedCommands: 2)) { redis async throws in
                #expect(await redisError { try await redis.pipeline([["PING"], ["PING"], ["PING"]]) } == .overloaded)
                #expect(try await redis.pipeline([["PING"], ["PING"]]).count == 2)
            }
        }
    }

    @Test("shutdown fails in-flight and later commands with .shutdown, promptly and idempotently")
    func shutdown() async throws {
        try await withRedisServer { server in
            let configuration = testConfiguration(port: server.port, commandTimeout: .seconds(10))
            let redis = RedisConnection(configuration: configuration, label: "shutdown", logger: testLogger)
            redis.start()
            try await eventually("the connection comes up") { redis.isConnected }
            let blocked = Task { await redisError { try await redis.command(["BLPOP", "nothing", "5"]) } }
            try await Task.sleep(for: .milliseconds(200))

            let start = ContinuousClock.now
            await redis.shutdown()
            #expect(ContinuousClock.now - start < .seconds(1))
            #expect(await blocked.value == .shutdown)
            #expect(await redisError { try await redis.command(["PING"]) } == .shutdown)
            #expect(!redis.isConnected)
            await redis.shutdown()
        }
    }

    @Test("shutdown of a connection that never started returns at once")
    func shutdownWithoutStart() async {
        let redis = RedisConnection(configuration: RedisConfiguration(port: 1), label: "idle", logger: testLogger)
        await redis.shutdown()
        redis.start()  // too late: stays shut down
        #expect(await redisError { try await redis.command(["PING"]) } == .shutdown)
    }
}

extension RedisError {
    var isUnavailable: Bool {
        if case .unavailable = self { return true }
        return false
    }
}
