import MPIMClient

/// Runs what the user types against the session and shows the results and
/// everything the session reports. Remembers the client-side state: the
/// conversation for plain lines, the usernames learned, and how a script run
/// is going.
actor ChatController {
    let session: ReconnectingSession
    private let console: Console
    /// `host:port`, for messages.
    let server: String
    var renderer: Renderer
    var planner = Planner()
    private var username: String?
    /// How the run went: counted for scripts (the exit status), kept in both modes.
    private(set) var outcome = ScriptOutcome()
    private var lineNumber = 0
    /// Set once the first connection attempt succeeded or failed; scripts wait for it.
    private var attempted = false
    private var attemptWaiters: [CheckedContinuation<Void, Never>] = []
    /// The server answered `NAMES` with `unknown cmd`: names are not asked for again.
    var namesUnsupported = false

    init(session: ReconnectingSession, console: Console, server: String, color: Bool) {
        self.session = session
        self.console = console
        self.server = server
        self.renderer = Renderer(color: color)
    }

    /// Handles one input line; false when the user asked to quit.
    func handle(_ line: String) async -> Bool {
        lineNumber += 1
        let step: Step
        do {
            step = try await plan(line)
        } catch {
            fail(line, error.message)
            return true
        }
        switch step {
        case .nothing:
            return true
        case .quit:
            return false
        case .help:
            console.show(helpLines)
        case .converse(let uid):
            if let uid {
                await learnNames([uid])
                if planner.directory.isMissing(uid) {
                    fail(line, "no such user: \(uid)")
                    return true
                }
            }
            planner.conversation = uid
            console.show(renderer.notice(uid.map { "plain lines now go to \(renderer.user($0)) (/chat alone stops)" }
                                         ?? "no conversation: plain lines need /chat <user> first"))
            updatePrompt()
        case .request(let request):
            outcome.ran(line, number: lineNumber, failure: await run(request))
            return true
        }
        outcome.ran(line, number: lineNumber, failure: nil)
        return true
    }

    /// Understands the line, looking up the usernames it names (`USER`) first.
    private func plan(_ line: String) async throws(CommandError) -> Step {
        let command = try ChatCommand.parse(line)
        for name in command.usernames where planner.directory.uids[name] == nil {
            if let reason = await lookUp(name) { throw CommandError(reason) }
        }
        return try planner.plan(command)
    }

    /// Sends one request and shows its reply; after a login, what waited too.
    /// Returns why it failed, if it did.
    private func run(_ request: Request) async -> String? {
        let reply: ServerReply
        do {
            reply = try await session.request(request.line)
        } catch let error as MPIMClientError {
            let detail = error == .notConnected ? "not connected to \(server)" : error.description
            console.showErrors([renderer.error(detail)])
            return detail
        } catch {
            console.showErrors([renderer.error("\(error)")])
            return "\(error)"
        }
        await learn()
        await learnNames(request.mentionedUIDs(in: reply))
        let lines = renderer.reply(to: request, reply)
        if reply.isOK || request.isRaw { console.show(lines) } else { console.showErrors(lines) }
        guard reply.isOK else { return reply.text }
        if case .login = request { await showWaitingMessages() }
        return nil
    }

    /// Right after a login: pulls what arrived while this user was away and says how much.
    private func showWaitingMessages() async {
        guard let pulled = try? await session.request(Request.pull.line) else { return }
        await learnNames(pulled.messages.map(\.from))
        let lines = renderer.waiting(pulled)
        if pulled.isOK { console.show(lines) } else { console.showErrors(lines) }
    }

    /// Shows one thing the session reports.
    func show(_ event: ReconnectingSession.Event) async {
        var isError = false
        switch event {
        case .connected:
            outcome.connectedOnce()
            firstAttemptDone()
        case .connectFailed(let reason, _, _, _):
            outcome.connectFailed(reason)
            firstAttemptDone()
        case .gaveUp:
            outcome.gaveUpConnecting()
            firstAttemptDone()
            isError = true
        case .push(.kicked(let reason), _) where Kick(reason: reason).signsOut:
            outcome.signedOut(renderer.kicked(Kick(reason: reason)))
            isError = true
        case .loginAgainFailed:
            isError = true
        case .push(let push, _):
            await learnNames(push.mentionedUIDs)
        case .missed(let messages):
            await learnNames(messages.map(\.from))
        default:
            break
        }
        // Rendered before learning: a kick names the device of the login it ended.
        let lines = renderer.event(event, server: server)
        if isError { console.showErrors(lines) } else { console.show(lines) }
        await learn()
    }

    /// Returns once the session has tried to connect for the first time (or
    /// stopped trying), so a script's end of input is not taken before it.
    func waitForFirstConnectionAttempt() async {
        guard !attempted else { return }
        await withCheckedContinuation { attemptWaiters.append($0) }
    }

    /// The session stopped; nobody waits for a first attempt any more.
    func sessionEnded() {
        firstAttemptDone()
    }

    private func firstAttemptDone() {
        attempted = true
        for waiter in attemptWaiters { waiter.resume() }
        attemptWaiters = []
    }

    /// Picks up who is logged in from the session (after `/login`, `/register`,
    /// `/logout`, their `/raw` forms, a login again, a kick).
    private func learn() async {
        let memory = await session.remembered
        if let credentials = memory.credentials, let uid = memory.uid {
            planner.directory.learn(uid: uid, name: credentials.username)
            renderer.names = planner.directory.names
            renderer.me = uid
            renderer.device = credentials.device
            username = credentials.username
            planner.loggedIn = true
        } else {
            // A conversation belongs to a login: it ends with it.
            renderer.me = nil
            username = nil
            planner.loggedIn = false
            planner.conversation = nil
        }
        updatePrompt()
    }

    private func updatePrompt() {
        guard let username else { return console.setPrompt("> ") }
        let conversation = planner.conversation.map { " to \(renderer.user($0))" } ?? ""
        console.setPrompt(username + conversation + "> ")
    }

    /// Shows the error, and counts the line as failed.
    private func fail(_ line: String, _ reason: String) {
        console.showErrors([renderer.error(reason)])
        outcome.ran(line, number: lineNumber, failure: reason)
    }

    private var helpLines: [String] {
        let width = ChatCommand.usages.map(\.usage.count).max() ?? 0
        return ["commands (a line without / goes to the /chat conversation; // starts it with /):"]
            + ChatCommand.usages.map { "  " + $0.usage.padding(toLength: width + 2, withPad: " ", startingAt: 0) + $0.summary }
    }
}

extension Request {
    var isRaw: Bool {
        if case .raw = self { true } else { false }
    }
}
