import Logging
import MPIMCore
import NIOCore
import Synchronization

/// The logged-in sessions on this gateway, and the way pushes reach them.
///
/// Called from connection tasks and from the Redis subscriber thread, so it
/// is a lock, not an actor: a push is a dictionary look-up and a channel
/// write, and must never wait for anything.
public final class SessionRegistry: LocalDelivery {
    struct Session {
        var connection: ConnectionID
        var device: String
        var channel: any Channel
    }

    private let sessions = Mutex<[UserID: [Session]]>([:])
    private let nextConnection = Atomic<UInt64>(1)
    private let receipts: any DeliveryReceipts
    private let logger: Logger

    public init(receipts: any DeliveryReceipts, logger: Logger) {
        self.receipts = receipts
        self.logger = logger
    }

    func makeConnectionID() -> ConnectionID {
        ConnectionID(nextConnection.add(1, ordering: .relaxed).oldValue)
    }

    func add(_ user: UserID, device: String, connection: ConnectionID, channel: any Channel) {
        sessions.withLock { $0[user, default: []].append(Session(connection: connection, device: device, channel: channel)) }
    }

    /// Removes the session; true if no other session of this user and device remains here.
    @discardableResult
    func remove(_ user: UserID, device: String, connection: ConnectionID) -> Bool {
        sessions.withLock { table in
            table[user]?.removeAll { $0.connection == connection }
            if table[user]?.isEmpty == true { table[user] = nil }
            return !(table[user]?.contains { $0.device == device } ?? false)
        }
    }

    /// Sessions currently logged in (all users, all devices).
    public var count: Int {
        sessions.withLock { $0.values.reduce(0) { $0 + $1.count } }
    }

    // MARK: LocalDelivery

    @discardableResult
    public func deliver(_ frame: PushFrame, to users: [UserID], skipping: ConnectionID?) -> [UserID] {
        let targets = sessions.withLock { table in
            users.compactMap { user in
                table[user].map { sessions in (user, sessions.filter { $0.connection != skipping }) }
            }
        }
        var reached: [UserID] = []
        for (user, sessions) in targets where !sessions.isEmpty {
            reached.append(user)
            for session in sessions {
                write(frame, to: session, of: user)
            }
        }
        return reached
    }

    public func liveRoutes() -> [(user: UserID, device: String)] {
        sessions.withLock { table in
            table.flatMap { user, list in Set(list.map(\.device)).map { (user, $0) } }
        }
    }

    private func write(_ frame: PushFrame, to session: Session, of user: UserID) {
        let channel = session.channel
        guard channel.isWritable else {
            // The client stopped reading and its backlog passed the high-water
            // mark: drop it rather than buffer without bound. The message stays
            // in its inbox for PULL.
            logger.warning("slow consumer kicked", metadata: ["uid": "\(user)", "conn": "\(session.connection)"])
            channel.writeAndFlush(channel.allocator.buffer(string: Push.kicked(reason: "slow consumer").line + "\n"))
                .whenComplete { _ in channel.close(promise: nil) }
            return
        }
        let written = channel.writeAndFlush(channel.allocator.buffer(string: frame.line + "\n"))
        if let message = frame.messageID {
            let receipts = self.receipts
            written.whenSuccess { receipts.pushed(message, to: user) }
        }
    }
}
