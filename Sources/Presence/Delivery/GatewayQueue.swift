import MPIMCore

/// How envelopes travel to another gateway (`[redis_queue] mode`).
public enum GatewayQueueMode: String, Sendable, CaseIterable {
    /// PUBLISH on `gateway:<id>`: fastest; an envelope for a gateway that is
    /// not subscribed at that moment is dropped (the message stays owed
    /// to PULL).
    case pubsub
    /// XADD to the stream `stream:gateway:<id>`, read with a consumer group and
    /// acknowledged after delivery: envelopes for a gateway that is down or
    /// restarting wait for it.
    case stream
}

extension RedisKeys {
    /// A gateway's delivery stream (stream mode).
    static func gatewayStream(_ gateway: GatewayID) -> String { "stream:gateway:\(gateway)" }
    /// The consumer group every gateway reads its own stream with.
    static let streamGroup = "mpimd"
}

extension GatewayQueueMode {
    /// The command that hands `envelopes`, in order, to `gateway` in one
    /// message: their protobuf payload as the last argument, binary.
    func command(sending envelopes: [GatewayEnvelope], to gateway: GatewayID, streamMaxLength: Int) throws
        -> [[UInt8]]
    {
        let payload = try GatewayEnvelope.payload(envelopes)
        let words = switch self {
        case .pubsub:
            ["PUBLISH", RedisKeys.gatewayChannel(gateway)]
        case .stream:
            ["XADD", RedisKeys.gatewayStream(gateway), "MAXLEN", "~", String(streamMaxLength), "*", "envelope"]
        }
        return words.map { Array($0.utf8) } + [payload]
    }
}
