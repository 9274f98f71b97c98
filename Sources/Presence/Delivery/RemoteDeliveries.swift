import Logging
import MPIMCore
import MPIMServices
import RedisClient
import WorkQueues

/// Reads users' routes: from the route cache, the rest from Redis in one
/// pipelined round trip (and cached).
struct RouteReader: Sendable {
    let redis: any RedisCommands
    let cache: RouteCache

    func routes(of users: [UserID]) async throws(MPIMError) -> [UserID: [RouteEntry]] {
        let unique = Array(Set(users))
        let (found, generation) = cache.lookup(unique)
        return try await complete(found, reading: unique.filter { found[$0] == nil }, lookedUpAt: generation)
    }

    /// `found` plus the routes of `missing`, read from Redis and cached unless
    /// an invalidation came after the cache look-up of `generation`.
    func complete(_ found: [UserID: [RouteEntry]], reading missing: [UserID], lookedUpAt generation: UInt64)
        async throws(MPIMError) -> [UserID: [RouteEntry]]
    {
        guard !missing.isEmpty else { return found }
        let replies: [RESPValue]
        do {
            replies = try await redis.pipeline(missing.map { ["HGETALL", RedisKeys.route($0)] })
        } catch {
            cache.countFailure(missing.count)
            throw .internal("redis unavailable")
        }
        var fetched: [UserID: [RouteEntry]] = [:]
        for (user, reply) in zip(missing, replies) {
            fetched[user] = RouteEntry.entries(reply)
        }
        cache.store(fetched, fetchedAt: generation)
        return found.merging(fetched) { _, new in new }
    }
}

/// Pushes for sessions on other gateways, in the order they were handed
/// over: one stage reads the routes the cache lacked and gives each gateway
/// its share of everything queued meanwhile in one envelope, all in one
/// pipelined round trip.
final class RemoteDeliveries: Sendable {
    /// Deliveries whose local part is done, with what the route cache knew.
    struct Batch: Sendable {
        var deliveries: [PushDelivery]
        var routes: [UserID: [RouteEntry]]
        /// Users the cache had nothing for, and the cache generation of that look-up.
        var missing: [UserID]
        var generation: UInt64
    }

    private let stage: BatchingQueue<Batch, Void>

    init(gateway: GatewayID, reader: RouteReader, queueMode: GatewayQueueMode, streamMaxLength: Int, logger: Logger) {
        stage = BatchingQueue(maxBatch: 256) { batches in
            await Self.publish(batches, from: gateway, reader: reader, queueMode: queueMode,
                               streamMaxLength: streamMaxLength, logger: logger)
            return batches.map { _ in () }
        }
    }

    /// Queues the batch behind every earlier one and returns at once.
    func enqueue(_ batch: Batch) {
        stage.enqueue(batch)
    }

    /// Queues the batch behind every earlier one and returns once it is published (or dropped).
    func submit(_ batch: Batch) async {
        _ = try? await stage.submit(batch)
    }

    private static func publish(
        _ batches: [Batch], from gateway: GatewayID, reader: RouteReader, queueMode: GatewayQueueMode,
        streamMaxLength: Int, logger: Logger
    ) async {
        let missing = Array(Set(batches.flatMap(\.missing)))
        let generation = batches.map(\.generation).min() ?? 0
        let fetched: [UserID: [RouteEntry]]
        do {
            fetched = try await reader.complete([:], reading: missing, lookedUpAt: generation)
        } catch {
            // Redis down: remote sessions miss the push; a message stays
            // owed and reaches them through PULL.
            logger.debug("route query failed; remote push skipped", metadata: ["batches": "\(batches.count)"])
            return
        }
        var envelopesByGateway: [GatewayID: [GatewayEnvelope]] = [:]
        var remoteRecipients = 0
        for batch in batches {
            let routes = batch.routes.merging(fetched) { _, new in new }
            for delivery in batch.deliveries {
                var recipientsByGateway: [GatewayID: [UserID]] = [:]
                for user in delivery.users {
                    for target in Set((routes[user] ?? []).map(\.gateway)) where target != gateway {
                        recipientsByGateway[target, default: []].append(user)
                    }
                }
                for (target, recipients) in recipientsByGateway {
                    envelopesByGateway[target, default: []].append(.deliver(users: recipients, push: delivery.push))
                    remoteRecipients += recipients.count
                }
            }
        }
        guard !envelopesByGateway.isEmpty else { return }
        do {
            let commands = try envelopesByGateway.sorted { $0.key < $1.key }.map { target, envelopes in
                try queueMode.command(sending: envelopes, to: target, streamMaxLength: streamMaxLength)
            }
            _ = try await reader.redis.pipeline(bytes: commands)
            PresenceMetrics.delivered(remoteRecipients, path: queueMode.rawValue)
        } catch {
            logger.warning("publish failed", metadata: ["gateways": "\(envelopesByGateway.count)", "error": "\(error)"])
        }
    }
}
