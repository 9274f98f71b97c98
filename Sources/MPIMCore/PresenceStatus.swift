/// A user's status (PROTOCOL.md, STATUS / WHO / PRESENCE).
public enum PresenceStatus: String, Sendable, Equatable, CaseIterable {
    case online, away, busy, invisible, offline

    /// What others see: invisible reads as offline.
    public var visible: PresenceStatus {
        self == .invisible ? .offline : self
    }

    /// The statuses a user may choose with STATUS.
    public static let selectable: [PresenceStatus] = [.online, .away, .busy, .invisible]
}
