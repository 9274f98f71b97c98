import Logging
import MPIMCore
import MPIMServices
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
        var route: LiveRoute
        var writer: ConnectionWriter
        var channel: any Channel { writer.channel }
        /// Pushes to this session count as delivered only once acknowledged.
        var ackMode: Bool
    }

    private let sessions = Mutex<[UserID: [Session]]>([:])
    private let nextConnection = Atomic<UInt64>(1)
    private let sessionTotal = Atomic<Int>(0)
    private let receipts: any DeliveryReceipts
    private let logger: Logger

    public init(receipts: any DeliveryReceipts, logger: Logger) {
        self.receipts = receipts
        self.logger = logger
    }

    func makeConnectionID() -> ConnectionID {
        ConnectionID(nextConnection.add(1, ordering: .relaxed).oldValue)
    }

    /// The writer for a new connection's pushes and pipelined replies.
    func makeWriter(for channel: any Channel) -> ConnectionWriter {
        ConnectionWriter(channel: channel, receipts: receipts)
    }

    func add(_ route: LiveRoute, connection: ConnectionID, writer: ConnectionWriter, ackMode: Bool) {
        let session = Session(connection: connection, route: route, writer: writer, ackMode: ackMode)
        let (sessionCount, userCount) = sessions.withLock { table in
            table[route.user, default: []].append(session)
            return (sessionTotal.add(1, ordering: .relaxed).newValue, table.count)
        }
        Self.report(sessions: sessionCount, users: userCount)
    }

    /// Switches ack mode for a logged-in session.
    func setAckMode(_ on: Bool, user: UserID, connection: ConnectionID) {
        sessions.withLock { table in
            guard let index = table[user]?.firstIndex(where: { $0.connection == connection }) else { return }
            table[user]![index].ackMode = on
        }
    }

    /// Pushes to one session (messages owed to it at login).
    func push(_ push: Push, user: UserID, connection: ConnectionID) {
        let session = sessions.withLock { $0[user]?.first { $0.connection == connection } }
        if let session { write(push.line, of: push, to: session) }
    }

    /// Removes the session; true if no other session of this user and device remains here.
    @discardableResult
    func remove(_ route: LiveRoute, connection: ConnectionID) -> Bool {
        let (lastOfDevice, sessionCount, userCount) = sessions.withLock { table in
            let before = table[route.user]?.count ?? 0
            table[route.user]?.removeAll { $0.connection == connection }
            let removed = before - (table[route.user]?.count ?? 0)
            if table[route.user]?.isEmpty == true { table[route.user] = nil }
            let lastOfDevice = !(table[route.user]?.contains { $0.route.device == route.device } ?? false)
            return (lastOfDevice, sessionTotal.subtract(removed, ordering: .relaxed).newValue, table.count)
        }
        Self.report(sessions: sessionCount, users: userCount)
        return lastOfDevice
    }

    private static func report(sessions: Int, users: Int) {
        GatewayMetrics.sessionsLoggedIn.set(sessions)
        GatewayMetrics.usersOnline.set(users)
    }

    /// Sessions currently logged in (all users, all devices).
    public var count: Int { sessionTotal.load(ordering: .relaxed) }

    // MARK: LocalDelivery

    @discardableResult
    public func deliver(_ deliveries: [PushDelivery]) -> Int {
        // One lock for the whole batch, one flat list of (delivery, session);
        // the writes happen outside the lock.
        var targets: [(delivery: Int, session: Session)] = []
        let reached = sessions.withLock { table in
            var reached = 0
            for (index, delivery) in deliveries.enumerated() {
                for user in delivery.users {
                    guard let sessions = table[user] else { continue }
                    let before = targets.count
                    for session in sessions where session.connection != delivery.skipping {
                        targets.append((index, session))
                    }
                    if targets.count > before { reached += 1 }
                }
            }
            return reached
        }
        // Each push rendered once, however many sessions it reaches; the
        // writes handed to each event loop in one task.
        ConnectionWriteBatch.collecting {
            var lines = [String?](repeating: nil, count: deliveries.count)
            for (index, session) in targets {
                let line = lines[index] ?? deliveries[index].push.line
                lines[index] = line
                write(line, of: deliveries[index].push, to: session)
            }
        }
        return reached
    }

    public func kick(_ user: UserID, device: String?, reason: String, sparing: ConnectionID?) {
        let targets = sessions.withLock { table in
            (table[user] ?? []).filter { session in
                session.connection != sparing && (device == nil || session.route.device == device)
            }
        }
        for session in targets where session.writer.kick(reason: reason) {
            // The session's own end line says why at info.
            logger.debug("kicked", metadata: ["uid": "\(user)", "conn": "\(session.connection)", "reason": "\(reason)"])
        }
    }

    public func broadcast(_ push: Push) {
        let everyone = sessions.withLock { table in table.values.flatMap { $0 } }
        let line = push.line
        // A notice is nobody's mailbox message: no delivery receipts.
        ConnectionWriteBatch.collecting {
            for session in everyone { write(line, of: nil, to: session) }
        }
    }

    /// Every logged-in session here, with its peer address.
    public func snapshot() -> [(route: LiveRoute, remoteAddress: String)] {
        sessions.withLock { table in
            table.values.flatMap { $0 }.map { ($0.route, $0.channel.remoteAddress?.description ?? "?") }
        }
    }

    public func liveRoutes() -> [LiveRoute] {
        sessions.withLock { table in table.values.flatMap { $0.map(\.route) } }
    }

    /// Writes `line` to the session; `push` (when given) is what it renders,
    /// whose message, once written, is reported to the delivery receipts.
    private func write(_ line: String, of push: Push?, to session: Session) {
        guard session.channel.isWritable else {
            // The client stopped reading and its backlog passed the high-water
            // mark: drop it rather than buffer without bound. A message stays
            // owed to PULL. Pushes that follow before it closes kick no more.
            if session.writer.kick(reason: "slow consumer") {
                GatewayMetrics.slowConsumerKicks.increment()
            }
            return
        }
        GatewayMetrics.pushesWritten.increment()
        let receipt = push?.messageID.map {
            PushReceipt(
                message: $0, group: push?.group, user: session.route.user, awaitingAck: session.ackMode)
        }
        session.writer.write(line, receipt: receipt)
    }
}
