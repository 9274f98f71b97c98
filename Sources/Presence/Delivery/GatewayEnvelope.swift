import MPIMCore
import MPIMServices

/// What one gateway hands another over the Redis bus: domain data, never a
/// rendered client line (the receiving gateway renders).
///
/// On the bus it travels as protobuf, several envelopes to a payload (a
/// gateway's share of a delivery batch), applied in order: the contract is
/// `Protos/mpim/bus/v1/bus.proto`, the mapping `GatewayEnvelope+Bus.swift`.
public enum GatewayEnvelope: Sendable, Equatable {
    /// The push to those users' sessions there.
    case deliver(users: [UserID], push: Push)
    /// Close that session there (device `*`: all of the user's), telling it
    /// `KICKED reason=<reason>` first.
    case kick(user: UserID, device: String, reason: String)
    /// Every session on the gateway.
    case broadcast(Push)
}

extension GatewayEnvelope {
    /// Carries envelopes out on this gateway's sessions, in order; runs of
    /// deliveries go to the sessions as one batch. Never blocks.
    static func apply(_ envelopes: [GatewayEnvelope], to local: any LocalDelivery) {
        var deliveries: [PushDelivery] = []
        func deliverPending() {
            guard !deliveries.isEmpty else { return }
            PresenceMetrics.delivered(local.deliver(deliveries), path: "in_process")
            deliveries.removeAll()
        }
        for envelope in envelopes {
            switch envelope {
            case .deliver(let users, let push):
                deliveries.append(PushDelivery(push: push, users: users))
            case .kick(let user, let device, let reason):
                deliverPending()
                local.kick(user, device: device == "*" ? nil : device, reason: reason, sparing: nil)
            case .broadcast(let push):
                deliverPending()
                local.broadcast(push)
            }
        }
        deliverPending()
    }
}
