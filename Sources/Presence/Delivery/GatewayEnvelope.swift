import MPIMCore
import MPIMServices

/// What one gateway publishes on another's channel: domain data in fields,
/// never a rendered client line (the receiving gateway renders).
///
/// Wire forms, each two lines (a header, then a body kept byte for byte):
/// - `deliver <uid>[,<uid>...] <push>`: the push to those users' sessions there;
/// - `broadcast <push>`: the push to every session there;
/// - `kick <uid> <device>` / `<reason>`: close that session there (device `*`:
///   all of the user's).
///
/// `<push>` is `msg <id> <from> <ts> direct <uid>` or `msg <id> <from> <ts>
/// group <gid>` with the text as the body, `presence <uid> <status>` with an
/// empty body, or `kicked` with the reason as the body. No header or body
/// holds a newline, so one Redis message carries several envelopes joined by
/// newlines (a gateway's share of a delivery batch), applied in order.
public enum GatewayEnvelope: Sendable, Equatable {
    case deliver(users: [UserID], push: Push)
    case kick(user: UserID, device: String, reason: String)
    /// Every session on the gateway.
    case broadcast(Push)

    public var encoded: String {
        switch self {
        case .deliver(let users, let push):
            "deliver \(users.map(String.init).joined(separator: ",")) \(PushFields.header(push))\n\(PushFields.body(push))"
        case .kick(let user, let device, let reason):
            "kick \(user) \(device)\n\(reason)"
        case .broadcast(let push):
            "broadcast \(PushFields.header(push))\n\(PushFields.body(push))"
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
            guard parts.count >= 3 else { return nil }
            let tokens = parts[1].split(separator: ",", omittingEmptySubsequences: false)
            let users = tokens.compactMap { UserID($0) }.filter { $0 > 0 }
            guard !users.isEmpty, users.count == tokens.count,
                  let push = PushFields.push(parts.dropFirst(2), body: body)
            else { return nil }
            self = .deliver(users: users, push: push)
        case "broadcast":
            guard let push = PushFields.push(parts.dropFirst(), body: body) else { return nil }
            self = .broadcast(push)
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

/// A push as envelope fields: a header of words and a body.
enum PushFields {
    static func header(_ push: Push) -> String {
        switch push {
        case .message(let m):
            switch m.conversation {
            case .direct(let recipient): "msg \(m.id) \(m.sender) \(m.timestamp) direct \(recipient)"
            case .group(let group): "msg \(m.id) \(m.sender) \(m.timestamp) group \(group)"
            }
        case .sent(let m):
            switch m.conversation {
            case .direct(let recipient): "sent \(m.id) \(m.sender) \(m.timestamp) direct \(recipient)"
            case .group(let group): "sent \(m.id) \(m.sender) \(m.timestamp) group \(group)"
            }
        case .presence(let user, let status): "presence \(user) \(status.rawValue)"
        case .kicked: "kicked"
        }
    }

    static func body(_ push: Push) -> String {
        switch push {
        case .message(let message), .sent(let message): message.text
        case .presence: ""
        case .kicked(let reason): reason
        }
    }

    /// The push from its header words and body; nil when they do not make one.
    static func push(_ words: ArraySlice<Substring>, body: String) -> Push? {
        let words = Array(words)
        switch words.first {
        case "msg", "sent":
            guard words.count == 6, let id = MessageID(words[1]), id > 0, let sender = UserID(words[2]), sender >= 0,
                  let timestamp = UnixMillis(words[3]), let target = Int64(words[5])
            else { return nil }
            let conversation: Conversation
            switch words[4] {
            case "direct" where target >= 0: conversation = .direct(target)  // 0: a notice, to nobody
            case "group" where target > 0: conversation = .group(target)
            default: return nil
            }
            let message = ChatMessage(id: id, sender: sender, conversation: conversation, text: body, timestamp: timestamp)
            return words[0] == "sent" ? .sent(message) : .message(message)
        case "presence":
            guard words.count == 3, let user = UserID(words[1]), user > 0,
                  let status = PresenceStatus(rawValue: String(words[2])), body.isEmpty
            else { return nil }
            return .presence(user: user, status: status)
        case "kicked":
            guard words.count == 1, !body.isEmpty else { return nil }
            return .kicked(reason: body)
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
