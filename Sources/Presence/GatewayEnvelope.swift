import MPIMCore

/// What one gateway publishes on another's channel: a push and the users
/// (on that gateway) to write it to.
///
/// Wire form: `deliver <uid>[,<uid>...] <message id or 0>\n<push line>`.
/// Text after the first newline is the push line, kept byte for byte.
public struct GatewayEnvelope: Sendable, Equatable {
    public var users: [UserID]
    public var frame: PushFrame

    public init(users: [UserID], frame: PushFrame) {
        self.users = users
        self.frame = frame
    }

    public var encoded: String {
        let ids = users.map(String.init).joined(separator: ",")
        return "deliver \(ids) \(frame.messageID ?? 0)\n\(frame.line)"
    }

    /// Parses an envelope; nil for anything malformed (logged by the caller).
    public init?(decoding payload: [UInt8]) {
        guard let newline = payload.firstIndex(of: UInt8(ascii: "\n")),
              let header = String(validating: payload[..<newline], as: UTF8.self),
              let line = String(validating: payload[(newline + 1)...], as: UTF8.self)
        else { return nil }
        let parts = header.split(separator: " ", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == "deliver", let message = MessageID(parts[2]), message >= 0 else {
            return nil
        }
        let tokens = parts[1].split(separator: ",", omittingEmptySubsequences: false)
        let users = tokens.compactMap { UserID($0) }.filter { $0 > 0 }
        guard !users.isEmpty, users.count == tokens.count else { return nil }
        self.init(users: users, frame: PushFrame(line: line, messageID: message == 0 ? nil : message))
    }
}
