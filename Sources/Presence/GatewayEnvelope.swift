import MPIMCore

/// What one gateway publishes on another's channel.
///
/// Wire forms:
/// - `deliver <uid>[,<uid>...] <message id or 0>\n<push line>`: write the
///   push line (kept byte for byte) to those users' sessions there;
/// - `kick <uid> <device>\n<reason>`: close that session there (device `*`: all of the user's);
/// - `broadcast\n<push line>`: write the line to every session there.
public enum GatewayEnvelope: Sendable, Equatable {
    case deliver(users: [UserID], frame: PushFrame)
    case kick(user: UserID, device: String, reason: String)
    /// Every session on the gateway.
    case broadcast(frame: PushFrame)

    public var encoded: String {
        switch self {
        case .deliver(let users, let frame):
            "deliver \(users.map(String.init).joined(separator: ",")) \(frame.messageID ?? 0)\n\(frame.line)"
        case .kick(let user, let device, let reason):
            "kick \(user) \(device)\n\(reason)"
        case .broadcast(let frame):
            "broadcast\n\(frame.line)"
        }
    }

    /// Parses an envelope; nil for anything malformed (logged by the caller).
    public init?(decoding payload: [UInt8]) {
        guard let newline = payload.firstIndex(of: UInt8(ascii: "\n")),
              let header = String(validating: payload[..<newline], as: UTF8.self),
              let body = String(validating: payload[(newline + 1)...], as: UTF8.self)
        else { return nil }
        let parts = header.split(separator: " ", omittingEmptySubsequences: false)
        switch parts.first {
        case "deliver":
            guard parts.count == 3, let message = MessageID(parts[2]), message >= 0 else { return nil }
            let tokens = parts[1].split(separator: ",", omittingEmptySubsequences: false)
            let users = tokens.compactMap { UserID($0) }.filter { $0 > 0 }
            guard !users.isEmpty, users.count == tokens.count else { return nil }
            self = .deliver(users: users, frame: PushFrame(line: body, messageID: message == 0 ? nil : message))
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
    /// Carries the envelope out on this gateway's sessions. Never blocks.
    func apply(to local: any LocalDelivery) {
        switch self {
        case .deliver(let users, let frame):
            PresenceMetrics.delivered(local.deliver(frame, to: users, skipping: nil).count, path: "in_process")
        case .kick(let user, let device, let reason):
            local.kick(user, device: device == "*" ? nil : device, reason: reason, sparing: nil)
        case .broadcast(let frame):
            local.broadcast(frame)
        }
    }
}
