import Foundation
import TestSupport

extension TestCluster {
    /// `redis-cli` against the cluster's Redis; its output lines.
    func redisCLI(_ arguments: String...) async throws -> [String] {
        guard let cli = findOnPath("redis-cli") else { throw TestFailure("redis-cli is not installed (make deps)") }
        let run = try await ProgramRun.run(cli, ["-h", "127.0.0.1", "-p", "\(redis.port)"] + arguments, in: directory)
        guard run.exitCode == 0 else { throw TestFailure("redis-cli \(arguments) \(run.exitDescription): \(run.output)") }
        return run.lines
    }

    /// What the routes of `users` and gateway `gateway` look like in Redis:
    /// every key name, each user's route entries, the gateway's route index,
    /// and which process holds its id (the heartbeat without its time).
    func routeSnapshot(users: [Int], gateway: String) async throws -> [String] {
        var snapshot = try await redisCLI("KEYS", "*").sorted()
        for user in users {
            snapshot += try await redisCLI("HGETALL", "route:\(user)")
        }
        snapshot += try await redisCLI("SMEMBERS", "gateway:routes:\(gateway)").sorted()
        snapshot += try await redisCLI("GET", "gateway:alive:\(gateway)").map { $0.split(separator: " ").first.map(String.init) ?? "" }
        return snapshot
    }
}
