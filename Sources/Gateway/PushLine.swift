import MPIMCore

/// The one place a push becomes a protocol line (PROTOCOL.md "Pushes").
extension Push {
    /// The wire form, without the trailing newline.
    var line: String {
        switch self {
        case .message(let m):
            switch m.conversation {
            case .direct:
                "MSG id=\(m.id) from=\(m.sender) ts=\(m.timestamp) text=\(m.text)"
            case .group(let group):
                "GMSG id=\(m.id) group=\(group) from=\(m.sender) ts=\(m.timestamp) text=\(m.text)"
            }
        case .sent(let m):
            "SENT id=\(m.id) to=\(m.sentTo) ts=\(m.timestamp) text=\(m.text)"
        case .presence(let user, let status):
            "PRESENCE uid=\(user) status=\(status.rawValue)"
        case .kicked(let reason):
            "KICKED reason=\(reason)"
        }
    }
}

extension ChatMessage {
    /// Whom a 1:1 message went to (`.sent` carries only 1:1 messages).
    fileprivate var sentTo: Int64 {
        switch conversation {
        case .direct(let recipient): recipient
        case .group(let group): group
        }
    }
}
