import MPIMCore
import MPIMServices

/// What one gateway publishes on another's channel.
///
/// Wire forms:
/// - `deliver <uid>[,<uid>...] <message id or 0>[ <group id>]\n<push line>`:
///   write the push line (kept byte for byte) to those users' sessions there;
///   the group id comes with a group message, for its delivery receipts;
/// - `kick <uid> <device>\n<reason>`: close that session there (device `*`: all of the user's);
/// - `broadcast\n<push line>`: write the line to every session there.
///
/// Every envelope is two lines, and no line holds a newline, so one Redis
/// message carries several envelopes joined by newlines (a gateway's share of
/// a delivery batch), applied in order.
public enum GatewayEnvelope: Sendable, Equatable {
    case deliver(users: [UserID], frame: PushFrame)
    case kick(user: UserID, device: String, reason: String)
    /// Every session on the gateway.
    case broadcast(frame: PushFrame)

    public var encoded: String {
        switch self {
        case .deliver(let users, let frame):
            "deliver \(users.map(String.init).joined(separator: ",")) \(frame.messageID ?? 0)"
                + (frame.group.map { " \($0)" } ?? "") + "\n\(frame.line)"
        case .kick(let user, let device, let reason):
            "kick \(user) \(device)\n\(reason)"
        case .broadcast(let frame):
            "broadcast\n\(frame.line)"
        }
    }

    /// Several envelopes as one payload, in order.
    public static func encode(_ envelopes: [GatewayEnvelope]) -> String {
        envelopes.map(\.encoded).joined(separator: "\n")
    }

    /// Parses a payload of one or more envelopes; nil if any is malformed
    /// (logged by the caller), so a damaged batch is dropped whole.
    public static func decodeAll(_ payload: [UInt8]) -> [GatewayEnvelope]? {
        let lines = payload.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        guard lines.count >= 2, lines.count % 2 == 0 else { return nil }
        var envelopes: [GatewayEnvelope] = []
        envelopes.reserveCapacity(lines.count / 2)
        for index in stride(from: 0, to: lines.count, by: 2) {
            guard let envelope = GatewayEnvelope(decoding: Array(lines[index]) + [UInt8(ascii: "\n")] + lines[index + 1])
            else { return nil }
            envelopes.append(envelope)
        }
        return envelopes
    }

    /// Parses one envelope; nil for anything malformed (logged by the caller).
    public init?(decoding payload: [UInt8]) {
        guard let newline = payload.firstIndex(of: UInt8(ascii: "\n")),
              let header = String(validating: payload[..<newline], as: UTF8.self),
              let body = String(validating: payload[(newline + 1)...], as: UTF8.self)
        else { return nil }
        let parts = header.split(separator: " ", omittingEmptySubsequences: false)
        switch parts.first {
        case "deliver":
            guard parts.count == 3 || parts.count == 4, let message = MessageID(parts[2]), message >= 0 else { return nil }
            let group = parts.count == 4 ? GroupID(parts[3]) : nil
            guard parts.count == 3 || (group ?? 0) > 0 else { return nil }
            let tokens = parts[1].split(separator: ",", omittingEmptySubsequences: false)
            let users = tokens.compactMap { UserID($0) }.filter { $0 > 0 }
            guard !users.isEmpty, users.count == tokens.count else { return nil }
            self = .deliver(
                users: users, frame: PushFrame(line: body, messageID: message == 0 ? nil : message, group: group))
        case "broadcast":
            guard parts.count == 1, !body.isEmpty else { return nil }
            self = .broadcast(frame: PushFrame(line: body, messageID: nil))
        case "kick":
            guard parts.count == 3, let user = UserID(parts[1]), user > 0, !parts[2].isEmpty, !body.isEmpty else {
                return nil
            }
            self = .kick(user: user, device: String(parts[2]), reason: body)
        default:
            return nil
        }
    }
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
            case .deliver(let users, let frame):
                deliveries.append(PushDelivery(frame: frame, users: users))
            case .kick(let user, let device, let reason):
                deliverPending()
                local.kick(user, device: device == "*" ? nil : device, reason: reason, sparing: nil)
            case .broadcast(let frame):
                deliverPending()
                local.broadcast(frame)
            }
        }
        deliverPending()
    }
}
