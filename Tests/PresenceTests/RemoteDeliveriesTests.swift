import Logging
import MPIMCore
import MPIMServices
import RedisClient
import Synchronization
import Testing
@testable import Presence

/// Deliveries to other gateways over a fake Redis: which routes are read,
/// which gateway gets which envelope.
@Suite("Remote deliveries")
struct RemoteDeliveriesTests {
    /// Answers HGETALL route:<uid> from `routes`, records every pipeline.
    final class FakeRedis: RedisCommands {
        let routes: [UserID: [RouteEntry]]
        private let recorded = Mutex<[[[[UInt8]]]]>([])
        private let down: Bool

        init(routes: [UserID: [RouteEntry]], down: Bool = false) {
            self.routes = routes
            self.down = down
        }

        /// Every pipeline's commands, each argument as bytes.
        var pipelines: [[[[UInt8]]]] { recorded.withLock { $0 } }

        func command(_ args: [String]) async throws -> RESPValue {
            try await pipeline([args])[0]
        }

        func pipeline(_ commands: [[String]]) async throws -> [RESPValue] {
            try await pipeline(bytes: commands.map { $0.map { Array($0.utf8) } })
        }

        func pipeline(bytes commands: [[[UInt8]]]) async throws -> [RESPValue] {
            if down { throw RedisError.unavailable("test: down") }
            recorded.withLock { $0.append(commands) }
            return commands.map { command in
                guard command.first == Array("HGETALL".utf8),
                      let user = UserID(String(decoding: command[1].dropFirst("route:".count), as: UTF8.self))
                else { return .integer(1) }
                return .array((routes[user] ?? []).flatMap { [RESPValue.bulkString(Array($0.device.utf8)),
                                                              .bulkString(Array($0.value.utf8))] })
            }
        }
    }

    private func message(_ id: MessageID, to user: UserID) -> Push {
        .message(ChatMessage(id: id, sender: 1, conversation: .direct(user), text: "m\(id)", timestamp: 5))
    }

    private func deliveries(_ redis: FakeRedis, cache: RouteCache = RouteCache()) -> RemoteDeliveries {
        RemoteDeliveries(gateway: "gw-1", reader: RouteReader(redis: redis, cache: cache), queueMode: .pubsub,
                         streamMaxLength: 1000, logger: Logger(label: "test"))
    }

    /// The envelopes of each PUBLISH, by channel.
    private func published(_ redis: FakeRedis) -> [String: [GatewayEnvelope]] {
        var byChannel: [String: [GatewayEnvelope]] = [:]
        for command in redis.pipelines.flatMap({ $0 }) where command.first == Array("PUBLISH".utf8) {
            byChannel[String(decoding: command[1], as: UTF8.self), default: []] +=
                (try? GatewayEnvelope.envelopes(in: command[2])) ?? []
        }
        return byChannel
    }

    @Test("each other gateway gets one PUBLISH with only its own recipients; this gateway's users, none")
    func perGateway() async {
        let redis = FakeRedis(routes: [
            2: [RouteEntry(device: "cli", gateway: "gw-2", since: 1)],
            3: [RouteEntry(device: "cli", gateway: "gw-3", since: 1), RouteEntry(device: "pc", gateway: "gw-2", since: 2)],
            4: [RouteEntry(device: "cli", gateway: "gw-1", since: 1)],
        ])
        let push = message(9, to: 2)
        await deliveries(redis).submit(.init(
            deliveries: [PushDelivery(push: push, users: [2, 3, 4])], routes: [:], missing: [2, 3, 4], generation: 0))
        let byChannel = published(redis)
        #expect(byChannel.keys.sorted() == ["gateway:gw-2", "gateway:gw-3"])
        #expect(byChannel["gateway:gw-2"] == [.deliver(users: [2, 3], push: push)])
        #expect(byChannel["gateway:gw-3"] == [.deliver(users: [3], push: push)])
        #expect(redis.pipelines.count == 2, "one round trip for the routes, one for the publishes")
    }

    @Test("routes read for the cache's misses are cached; cached routes are not read again")
    func routesCached() async {
        let redis = FakeRedis(routes: [2: [RouteEntry(device: "cli", gateway: "gw-2", since: 1)]])
        let cache = RouteCache()
        let remote = deliveries(redis, cache: cache)
        await remote.submit(.init(deliveries: [PushDelivery(push: message(1, to: 2), users: [2])], routes: [:],
                                  missing: [2], generation: cache.lookup([]).generation))
        #expect(cache.lookup([2]).found[2]?.map(\.gateway) == ["gw-2"])
        let (cached, generation) = cache.lookup([2])
        await remote.submit(.init(deliveries: [PushDelivery(push: message(2, to: 2), users: [2])], routes: cached,
                                  missing: [], generation: generation))
        let reads = redis.pipelines.flatMap { $0 }.filter { $0.first == Array("HGETALL".utf8) }
        #expect(reads.count == 1)
        #expect(published(redis)["gateway:gw-2"]?.count == 2)
    }

    @Test("deliveries queued together reach a gateway in the order they were handed over")
    func order() async {
        let redis = FakeRedis(routes: [2: [RouteEntry(device: "cli", gateway: "gw-2", since: 1)]])
        let remote = deliveries(redis)
        let routes: [UserID: [RouteEntry]] = [2: [RouteEntry(device: "cli", gateway: "gw-2", since: 1)]]
        for id in 1...50 {
            remote.enqueue(.init(deliveries: [PushDelivery(push: message(MessageID(id), to: 2), users: [2])],
                                 routes: routes, missing: [], generation: 0))
        }
        await remote.submit(.init(deliveries: [PushDelivery(push: message(51, to: 2), users: [2])], routes: routes,
                                  missing: [], generation: 0))
        let ids = (published(redis)["gateway:gw-2"] ?? []).compactMap { envelope -> MessageID? in
            guard case .deliver(_, let push) = envelope else { return nil }
            return push.messageID
        }
        #expect(ids == Array(1...51))
    }

    @Test("with Redis down the remote push is skipped, and nothing is thrown or published")
    func redisDown() async {
        let redis = FakeRedis(routes: [:], down: true)
        await deliveries(redis).submit(.init(
            deliveries: [PushDelivery(push: message(1, to: 2), users: [2])], routes: [:], missing: [2], generation: 0))
        #expect(redis.pipelines.isEmpty)
    }
}
