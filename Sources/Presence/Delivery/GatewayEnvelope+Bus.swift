import MPIMCore
import SwiftProtobuf

/// Why a bus payload was dropped unread.
enum BusPayloadError: Error, Equatable {
    /// A `Batch.version` this build does not read.
    case version(UInt32)
    /// Not a batch, or a batch holding something no gateway sends (a user
    /// 0, an empty kick reason, an unknown status or kind…).
    case malformed(String)

    /// The `reason` label of `mpim_bus_payloads_dropped_total`.
    var reason: String {
        switch self {
        case .version: "version"
        case .malformed: "malformed"
        }
    }
}

/// Envelopes as the bus carries them: one `mpim.bus.v1.Batch` per Redis
/// message (`Protos/mpim/bus/v1/bus.proto`), through the generated types.
extension GatewayEnvelope {
    /// The `Batch.version` this build writes, and the only one it reads.
    static let busVersion: UInt32 = 1

    /// Several envelopes as one payload, in order.
    static func payload(_ envelopes: [GatewayEnvelope]) throws -> [UInt8] {
        var batch = Mpim_Bus_V1_Batch()
        batch.version = busVersion
        batch.envelopes = envelopes.map(\.wire)
        return try batch.serializedBytes()
    }

    /// The envelopes of a payload, in order. A batch of another version, or
    /// one that does not parse or holds anything invalid, is refused whole.
    static func envelopes(in payload: [UInt8]) throws(BusPayloadError) -> [GatewayEnvelope] {
        let batch: Mpim_Bus_V1_Batch
        do {
            batch = try Mpim_Bus_V1_Batch(serializedBytes: payload)
        } catch {
            // A newer layout may not parse as this one; its version still does.
            var options = BinaryDecodingOptions()
            options.discardUnknownFields = true
            if let header = try? Mpim_Bus_V1_BatchHeader(serializedBytes: payload, options: options),
               header.version != busVersion, header.version != 0 {
                throw .version(header.version)
            }
            throw .malformed("\(error)")
        }
        guard batch.version == busVersion else {
            // 0 is no version at all: bytes that happen to parse, not a batch.
            throw batch.version == 0 ? .malformed("no version") : .version(batch.version)
        }
        return try batch.envelopes.map { envelope throws(BusPayloadError) in try GatewayEnvelope(wire: envelope) }
    }

    var wire: Mpim_Bus_V1_Envelope {
        var envelope = Mpim_Bus_V1_Envelope()
        switch self {
        case .deliver(let users, let push):
            envelope.deliver = .with {
                $0.users = users
                $0.push = push.wire
            }
        case .kick(let user, let device, let reason):
            envelope.kick = .with {
                $0.user = user
                $0.device = device
                $0.reason = reason
            }
        case .broadcast(let push):
            envelope.broadcast = .with { $0.push = push.wire }
        }
        return envelope
    }

    init(wire: Mpim_Bus_V1_Envelope) throws(BusPayloadError) {
        switch wire.kind {
        case .deliver(let deliver)?:
            guard !deliver.users.isEmpty, deliver.users.allSatisfy({ $0 > 0 }) else {
                throw .malformed("deliver to users \(deliver.users)")
            }
            self = .deliver(users: deliver.users, push: try Push(wire: deliver.push))
        case .kick(let kick)?:
            guard kick.user > 0, !kick.device.isEmpty, !kick.reason.isEmpty else {
                throw .malformed("kick of user \(kick.user), device \"\(kick.device)\", reason \"\(kick.reason)\"")
            }
            self = .kick(user: kick.user, device: kick.device, reason: kick.reason)
        case .broadcast(let broadcast)?:
            self = .broadcast(try Push(wire: broadcast.push))
        case nil:
            throw .malformed("envelope of no kind this build knows")
        }
    }
}

extension Push {
    var wire: Mpim_Bus_V1_Push {
        var push = Mpim_Bus_V1_Push()
        switch self {
        case .message(let message): push.message = message.wire
        case .sent(let message): push.sent = message.wire
        case .presence(let user, let status):
            push.presence = .with {
                $0.user = user
                $0.status = status.wire
            }
        case .kicked(let reason): push.kicked = .with { $0.reason = reason }
        }
        return push
    }

    init(wire: Mpim_Bus_V1_Push) throws(BusPayloadError) {
        switch wire.kind {
        case .message(let message)?: self = .message(try ChatMessage(wire: message))
        case .sent(let message)?: self = .sent(try ChatMessage(wire: message))
        case .presence(let presence)?:
            guard presence.user > 0, let status = PresenceStatus(wire: presence.status) else {
                throw .malformed("presence of user \(presence.user), status \(presence.status)")
            }
            self = .presence(user: presence.user, status: status)
        case .kicked(let kicked)?:
            guard !kicked.reason.isEmpty else { throw .malformed("kicked without a reason") }
            self = .kicked(reason: kicked.reason)
        case nil:
            throw .malformed("push of no kind this build knows")
        }
    }
}

extension ChatMessage {
    var wire: Mpim_Bus_V1_ChatMessage {
        var message = Mpim_Bus_V1_ChatMessage()
        message.id = id
        message.sender = sender
        message.timestamp = timestamp
        switch conversation {
        case .direct(let recipient): message.recipient = recipient
        case .group(let group): message.group = group
        }
        message.text = text
        return message
    }

    init(wire: Mpim_Bus_V1_ChatMessage) throws(BusPayloadError) {
        let conversation: Conversation
        switch wire.conversation {
        case .recipient(let recipient)? where recipient >= 0: conversation = .direct(recipient)  // 0: a notice
        case .group(let group)? where group > 0: conversation = .group(group)
        default: throw .malformed("message \(wire.id) to \(String(describing: wire.conversation))")
        }
        guard wire.id > 0, wire.sender >= 0 else { throw .malformed("message \(wire.id) from \(wire.sender)") }
        self.init(id: wire.id, sender: wire.sender, conversation: conversation, text: wire.text,
                  timestamp: wire.timestamp)
    }
}

extension PresenceStatus {
    var wire: Mpim_Bus_V1_Status {
        switch self {
        case .online: .online
        case .away: .away
        case .busy: .busy
        case .invisible: .invisible
        case .offline: .offline
        }
    }

    /// Nil for `STATUS_UNSPECIFIED` and values this build does not know.
    init?(wire: Mpim_Bus_V1_Status) {
        switch wire {
        case .online: self = .online
        case .away: self = .away
        case .busy: self = .busy
        case .invisible: self = .invisible
        case .offline: self = .offline
        case .unspecified, .UNRECOGNIZED: return nil
        }
    }
}
