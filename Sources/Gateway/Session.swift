import Logging
import MPIMCore
import MPIMServices
import NIOCore

/// The services a session talks to, all through their protocols.
public struct GatewayServices: Sendable {
    public var users: any UserService
    public var groups: any GroupService
    public var presence: any PresenceService
    public var messages: any MessageService

    public init(users: any UserService, groups: any GroupService, presence: any PresenceService,
                messages: any MessageService) {
        self.users = users
        self.groups = groups
        self.presence = presence
        self.messages = messages
    }
}

/// One connection's protocol state: who is logged in, and what each command
/// answers. Owned by its connection's task, so commands start one at a time,
/// in order. Sends are pipelined: each is queued at once and answered when
/// stored and pushed, up to the send window; any other command first waits
/// for the sends before it, so replies always come in command order.
///
/// Unchecked sendable: its `LineInbox` runs the connection's lines from one
/// drain task at a time, so the state is never touched concurrently.
final class Session: @unchecked Sendable {
    enum Disposition {
        case keepOpen
        case close
    }

    /// Messages taken per store round trip during PULL.
    static let pullChunk = 500

    /// Sends one connection may have in flight before it stops reading.
    static let sendWindow = 256

    let connection: ConnectionID
    private let writer: ConnectionWriter
    private let window = SendWindow(limit: Session.sendWindow)
    private let services: GatewayServices
    private let registry: SessionRegistry
    /// The gateway's logger, and where the connection comes from.
    private let gatewayLogger: Logger
    private let remote: String
    private var login: LiveRoute?
    /// ACKMODE, which may be set before LOGIN and lasts for the connection.
    private var ackMode = false

    /// Messages pushed again at login because an ack-mode session never acknowledged them.
    static let redeliveryLimit = 1000

    /// - Parameters:
    ///   - logger: the gateway's; the session's lines add their own metadata.
    ///   - remote: the client's address, as every line about the connection shows it.
    init(connection: ConnectionID, writer: ConnectionWriter, services: GatewayServices,
         registry: SessionRegistry, logger: Logger, remote: String) {
        self.connection = connection
        self.writer = writer
        self.services = services
        self.registry = registry
        gatewayLogger = logger
        self.remote = remote
    }

    /// The connection's logger: `conn` and `remote`, and `uid` while logged
    /// in. Made for each line logged, which is rare, rather than kept: a
    /// logger's own metadata cost every idle session ~0.4 KiB.
    var logger: Logger {
        var logger = gatewayLogger
        logger[metadataKey: "conn"] = "\(connection)"
        logger[metadataKey: "remote"] = "\(remote)"
        if let login { logger[metadataKey: "uid"] = "\(login.user)" }
        return logger
    }

    /// Answers one line through `write`.
    func respond(to line: String, write: ReplyWriter) async throws -> Disposition {
        let command: Command
        switch CommandParser.parse(line) {
        case .success(.blank):
            return .keepOpen
        case .success(.command(let parsed)):
            command = parsed
        case .failure(let error):
            // A known command's usage error is that command's error; a line
            // that names no command is no command's.
            let started = ContinuousClock.now
            await settle()
            try await write(error.replyLine)
            if let name = CommandParser.intendedCommand(of: line) {
                GatewayMetrics.command(name, succeeded: false, duration: .now - started)
            } else {
                GatewayMetrics.rejected(.unknownCommand)
            }
            return .keepOpen
        }
        if let me = login?.user, let request = sendRequest(command, from: me) {
            await pipeline(request, command: command.name)
            return .keepOpen
        }
        await settle()
        let started = ContinuousClock.now
        var failure: GatewayError?
        defer { GatewayMetrics.command(command.name, succeeded: failure == nil, duration: .now - started) }
        do {
            return try await execute(command, write: write)
        } catch let error as GatewayError {
            failure = error
        } catch let error as MPIMError {
            failure = .service(error)
        }
        try await write(failure!.replyLine)
        return .keepOpen
    }

    /// Returns once every send before now is answered: whatever is written
    /// next comes after their replies.
    func settle() async {
        await window.idle()
    }

    /// The message a SEND or SENDGROUP asks to send; nil for other commands.
    private func sendRequest(_ command: Command, from me: UserID) -> SendRequest? {
        switch command {
        case .send(let recipient, let text, let clientID):
            SendRequest(sender: me, conversation: .direct(recipient), text: text, clientID: clientID, origin: connection)
        case .sendGroup(let group, let text, let clientID):
            SendRequest(sender: me, conversation: .group(group), text: text, clientID: clientID, origin: connection)
        default:
            nil
        }
    }

    /// Submits the line at once if it is a SEND or SENDGROUP of a logged-in
    /// session and the send window has room; false for anything else, which
    /// then goes through `respond(to:write:)`. Called on the event loop while
    /// no task runs this session.
    func submitIfSend(_ bytes: ByteBuffer) -> Bool {
        guard let me = login?.user,
              CommandParser.mayBeSend(bytes.readableBytesView),
              let line = String(validating: bytes.readableBytesView, as: UTF8.self),
              case .success(.command(let command)) = CommandParser.parse(line),
              let request = sendRequest(command, from: me),
              window.tryAcquire()
        else { return false }
        submit(request, command: command.name)
        return true
    }

    /// Queues the send and returns; its reply is written when it completes.
    private func pipeline(_ request: SendRequest, command name: String) async {
        await window.acquire()
        submit(request, command: name)
    }

    /// Submits a send that holds a place in the window.
    private func submit(_ request: SendRequest, command name: String) {
        let started = ContinuousClock.now
        services.messages.submit(request) { [writer, window] result in
            switch result {
            case .success(let message):
                let key = if case .group = request.conversation { "group_msg_id" } else { "msg_id" }
                writer.write("+OK \(key)=\(message.id)")
            case .failure(let error):
                writer.write(GatewayError.service(error).replyLine)
            }
            GatewayMetrics.command(name, succeeded: (try? result.get()) != nil, duration: .now - started)
            // A command waiting for this send's reply writes its own after it.
            ConnectionWriteBatch.afterScheduledWrites { window.release() }
        }
    }

    /// Logs the session out when its connection ends, then logs the end:
    /// why, who (uid and device while logged in; the logger has the address)
    /// and how many lines were refused for the rate, if any.
    func end(rateLimitedLines: Int) async {
        var metadata: Logger.Metadata = ["reason": "\(writer.endReason ?? "client closed")"]
        if let login { metadata["device"] = "\(login.device)" }
        if rateLimitedLines > 0 { metadata["rate_limited"] = "\(rateLimitedLines)" }
        let logger = self.logger
        await logOut()
        logger.info("connection closed", metadata: metadata)
    }

    private func execute(_ command: Command, write: ReplyWriter) async throws -> Disposition {
        let me = login?.user
        if command.needsLogin, me == nil { throw GatewayError.notLoggedIn }
        switch command {
        case .register(let username, let password):
            let user = try await services.users.register(username: username, password: password)
            await logIn(user, device: "cli")
            try await write("+OK uid=\(user)")
        case .login(let username, let password, let device):
            // One account per connection: a second LOGIN changes nothing (LOGOUT first).
            guard me == nil else { throw GatewayError.alreadyLoggedIn }
            let user: UserID
            do {
                user = try await services.users.login(username: username, password: password)
            } catch {
                // Never the password. The reason as the client read it: "auth failed", "auth locked"…
                let reason = GatewayError.service(error).replyLine.dropFirst("-ERR ".count)
                logger.info("login failed", metadata: ["user": "\(username)", "reason": "\(reason)"])
                throw error
            }
            await logIn(user, device: device)
            try await write("+OK uid=\(user)")
            await redeliverUnacknowledged(to: user)
        case .logout:
            await logOut()
            try await write("+OK logout success")
        case .send, .sendGroup:
            // Pipelined by respond(to:write:) once logged in; refused above before that.
            throw GatewayError.notLoggedIn
        case .ack(let ids):
            let acknowledged = try await services.messages.acknowledge(ids, by: me!)
            try await write("+OK acked=\(acknowledged)")
        case .ackMode(let on):
            ackMode = on
            if let login { registry.setAckMode(on, user: login.user, connection: connection) }
            try await write("+OK ackmode=\(on ? "on" : "off")")
        case .sync(let after, let limit):
            let messages = try await services.messages.sync(for: me!, after: after, limit: limit)
            try await write.messages(messages, then: "+OK sync_done last=\(messages.last?.id ?? after)")
        case .pull:
            var count = 0
            while true {
                let chunk = try await services.messages.pull(for: me!, limit: Self.pullChunk)
                try await write.messages(chunk)
                count += chunk.count
                if chunk.count < Self.pullChunk { break }
            }
            try await write("+OK pull_done count=\(count)")
        case .history(let peer, let before, let limit):
            let messages = try await services.messages.history(of: me!, with: peer, before: before, limit: limit)
            try await write.messages(messages, then: "+OK history_done")
        case .groupHistory(let group, let before, let limit):
            let messages = try await services.messages.history(of: me!, inGroup: group, before: before, limit: limit)
            try await write.messages(messages, then: "+OK history_done")
        case .addFriend(let friend):
            try await services.users.addFriend(friend, of: me!)
            try await write("+OK friend added")
        case .removeFriend(let friend):
            try await services.users.removeFriend(friend, of: me!)
            try await write("+OK friend removed")
        case .getFriends:
            try await write("+OK friends: " + Self.list(try await services.users.friends(of: me!)))
        case .createGroup(let name, let description):
            let group = try await services.groups.create(name: name, description: description, creator: me!)
            try await write("+OK group_id=\(group)")
        case .joinGroup(let group):
            try await services.groups.join(group, user: me!)
            try await write("+OK joined group")
        case .leaveGroup(let group):
            try await services.groups.leave(group, user: me!)
            try await write("+OK left group")
        case .groups:
            try await write("+OK groups: " + Self.list(try await services.groups.groups(of: me!)))
        case .members(let group):
            try await write("+OK members: " + Self.list(try await services.groups.members(of: group, asSeenBy: me!)))
        case .groupInfo(let group):
            let info = try await services.groups.summary(of: group)
            try await write(
                "+OK group_id=\(info.id) name=\(info.name) creator=\(info.creator) members=\(info.memberCount) "
                    + "created_at=\(info.createdAt) description=\(info.description)")
        case .ping:
            if let login { await services.presence.refresh(login) }
            try await write("+OK pong")
        case .status(let status):
            try await services.presence.setStatus(status, of: me!)
            try await write("+OK status=\(status.rawValue)")
        case .who(let users):
            let statuses = try await services.presence.statuses(of: users)
            try await write("+OK " + zip(users, statuses).map { "\($0)=\($1.rawValue)" }.joined(separator: " "))
        case .user(let username):
            let user = try await services.users.userID(named: username)
            try await write("+OK uid=\(user) name=\(username)")
        case .names(let users):
            let names = try await services.users.names(of: users)
            try await write("+OK " + zip(users, names).map { "\($0)=\($1)" }.joined(separator: " "))
        case .help:
            try await write("+OK commands: " + CommandParser.commandNames.joined(separator: " "))
        case .quit:
            try await write("+OK bye")
            return .close
        }
        return .keepOpen
    }

    /// Ids as the list replies show them: ascending, comma-separated.
    private static func list(_ ids: [Int64]) -> String {
        ids.map(String.init).joined(separator: ",")
    }

    private func logIn(_ user: UserID, device: String) async {
        await logOut()
        let route = LiveRoute(user: user, device: device, since: .now())
        // Registered before the route is bound, so a push that follows the
        // route always finds the session.
        registry.add(route, connection: connection, writer: writer, ackMode: ackMode)
        login = route
        await services.presence.sessionStarted(route, connection: connection)
        logger.debug("login", metadata: ["device": "\(device)"])
    }

    /// Pushes again what an ack-mode session of this user was pushed and
    /// never acknowledged (Delivery 5).
    private func redeliverUnacknowledged(to user: UserID) async {
        guard let owed = try? await services.messages.awaitingAck(for: user, limit: Self.redeliveryLimit) else { return }
        for message in owed {
            registry.push(.message(message), user: user, connection: connection)
        }
    }

    private func logOut() async {
        guard let current = login else { return }
        login = nil
        if registry.remove(current, connection: connection) {
            await services.presence.sessionEnded(current)
        }
        logger.debug("logout", metadata: ["uid": "\(current.user)"])
    }
}
