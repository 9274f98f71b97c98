import Foundation
import TestSupport
import Testing

/// The harness itself, proven against redis-server's inline protocol (no mpimd needed).
@Suite("Harness")
struct HarnessTests {
    @Test("the line client talks to redis-server's inline protocol, and Redis restarts on its port")
    func lineClientAgainstRedis() async throws {
        let directory = try makeTemporaryDirectory(prefix: "mpim-e2e-harness")
        defer { try? FileManager.default.removeItem(at: directory) }
        let redis = try await RedisServerProcess.start(in: directory)
        do {
            let client = try await LineClient.open(port: redis.port, label: "redis")
            #expect(try await client.cmd("PING") == "+PONG")
            #expect(try await client.cmd("SET greeting  hello") == "+OK")
            #expect(try await client.cmd("GET greeting") == "$5")
            #expect(try await client.reply() == "hello")
            try await client.sendRaw("PING\r\nPING\r\n")
            #expect(try await client.reply() == "+PONG")
            #expect(try await client.reply() == "+PONG")

            let oldPID = try #require(redis.pid)
            try await redis.restart()
            try await client.waitClosed()
            #expect(redis.pid != oldPID)
            #expect(kill(oldPID, 0) != 0, "the old redis-server is gone")
            let again = try await LineClient.open(port: redis.port, label: "redis")
            #expect(try await again.cmd("PING") == "+PONG")
            #expect(try await again.cmd("GET greeting") == "$-1", "restarted without persistence")
            again.close()
        } catch {
            await redis.stop()
            throw error
        }
        let pid = try #require(redis.pid)
        await redis.stop()
        #expect(kill(pid, 0) != 0, "redis-server stopped by its pid")
    }

    @Test("a child the tests never stopped is killed by its watchdog when the tests end (here: its pipe closed)")
    func watchdogKillsAbandonedChild() async throws {
        let directory = try makeTemporaryDirectory(prefix: "mpim-e2e-harness")
        defer { try? FileManager.default.removeItem(at: directory) }
        let child = try ChildProcess(name: "sleep", executable: "/bin/sleep", arguments: ["60"], directory: directory,
                                     log: directory.appendingPathComponent("sleep.log"))
        try await Task.sleep(for: .milliseconds(200))
        #expect(child.isRunning)
        child.closeWatchdogPipe()
        #expect(await child.waitForExit(timeout: .seconds(5)), "sleep 60 still runs: no watchdog killed it")
        #expect(child.exitDescription == "was killed by signal \(SIGKILL)")
        await child.kill()
    }

    @Test("waits time out with a message instead of hanging")
    func waitsTimeOut() async throws {
        let directory = try makeTemporaryDirectory(prefix: "mpim-e2e-harness")
        defer { try? FileManager.default.removeItem(at: directory) }
        let redis = try await RedisServerProcess.start(in: directory)
        let client = try await LineClient.open(port: redis.port, label: "redis")
        let started = ContinuousClock.now
        await #expect(throws: TestFailure.self) { try await client.push(timeout: .milliseconds(200)) }
        await #expect(throws: TestFailure.self) { try await client.reply(timeout: .milliseconds(200)) }
        await #expect(throws: TestFailure.self) { try await client.waitClosed(timeout: .milliseconds(200)) }
        #expect(ContinuousClock.now - started < .seconds(3))
        #expect(try await client.cmd("QUIT") == "+OK")
        try await client.waitClosed()
        await #expect(throws: TestFailure.self) { try await client.reply() }
        await redis.stop()
    }

    @Test("field() reads key=value, and text= runs to the end of the line")
    func fieldParsing() {
        let line = "MSG id=7 from=3 ts=1700000000000 text=a  b id=9 text=c"
        #expect(field(line, "id") == "7")
        #expect(intField(line, "ts") == 1_700_000_000_000)
        #expect(field(line, "text") == "a  b id=9 text=c")
        #expect(field(line, "group") == nil)
        #expect(field("+OK uid=12", "uid") == "12")
    }

    @Test("the daemon config renders as ini with fast bcrypt")
    func configText() {
        var config = DaemonConfig()
        config.settings["redis_queue"] = nil  // set when the suite runs in stream mode
        config["users", "lockout_failures"] = "5"
        config["gateway", "route_ttl"] = "3"
        #expect(config.text == "[gateway]\nroute_ttl = 3\n\n[users]\nbcrypt_cost = 4\nlockout_failures = 5\n")
    }
}
