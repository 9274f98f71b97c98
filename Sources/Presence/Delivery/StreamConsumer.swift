import MPIMCore
import MPIMServices
import RedisClient
import WorkQueues

/// Reads this gateway's delivery stream with a consumer group (stream mode).
///
/// Its connection is its own: `XREADGROUP … BLOCK` holds it for up to
/// `blockTime`. At start it first re-reads entries it had been given but
/// never acknowledged (a crash between read and ack), then new ones. Each
/// entry is acknowledged after its pushes are handed to the sessions'
/// channels; a message that still did not reach a session stays owed to
/// PULL, so nothing depends on the stream alone.
struct StreamConsumer: Sendable {
    let connection: RedisConnection
    let gateway: GatewayID
    let local: any LocalDelivery
    let busReader: BusReader
    let blockTime: Duration
    let batch: Int

    var stream: String { RedisKeys.gatewayStream(gateway) }

    /// Runs until the task is cancelled.
    func run() async {
        var backlog = true  // first the pending entries ("0"), then new ones (">")
        while !Task.isCancelled {
            do {
                try await ensureGroup()
                let entries = try await read(from: backlog ? "0" : ">")
                if backlog && entries.isEmpty { backlog = false }
                try await deliver(entries)
            } catch RedisError.server(let message) where message.hasPrefix("NOGROUP") {
                continue  // Redis lost the stream (restarted empty): the group is made again above
            } catch {
                try? await Task.sleep(for: .milliseconds(200))  // Redis down: its client reconnects
            }
        }
    }

    func ensureGroup() async throws {
        do {
            // From the stream's start: what other gateways added before this
            // gateway first made its group is for it too.
            _ = try await connection.command(["XGROUP", "CREATE", stream, RedisKeys.streamGroup, "0", "MKSTREAM"])
        } catch RedisError.server(let message) where message.hasPrefix("BUSYGROUP") {
            // Already there.
        }
    }

    private func read(from position: String) async throws -> [(id: String, payload: [UInt8])] {
        let reply = try await connection.command([
            "XREADGROUP", "GROUP", RedisKeys.streamGroup, gateway, "COUNT", String(batch),
            "BLOCK", String(blockTime.wholeMilliseconds),
            "STREAMS", stream, position,
        ])
        // [[stream, [[id, [field, value, ...]], ...]]]
        let entries = reply.array?.first?.array?.last?.array ?? []
        return entries.compactMap { entry in
            guard let parts = entry.array, parts.count == 2, let id = parts[0].string else { return nil }
            let fields = parts[1].array ?? []
            let payload = fields.count >= 2 ? fields[1].bytes ?? [] : []
            return (id, payload)
        }
    }

    private func deliver(_ entries: [(id: String, payload: [UInt8])]) async throws {
        guard !entries.isEmpty else { return }
        for entry in entries {
            // One that cannot be read is counted and dropped, and acknowledged with the rest.
            guard let envelopes = busReader.envelopes(in: entry.payload, source: "stream") else { continue }
            GatewayEnvelope.apply(envelopes, to: local)
        }
        _ = try await connection.command(["XACK", stream, RedisKeys.streamGroup] + entries.map(\.id))
    }
}
