import MPIMClient

/// Runs what the user types against the session and shows the results and
/// everything the session reports. Remembers the client-side state: the
/// conversation for plain lines and the usernames seen this session.
actor ChatController {
    private let session: ReconnectingSession
    private let console: Console
    /// `host:port`, for messages.
    private let server: String
    private var renderer: Renderer
    private var planner = Planner()
    private var username: String?

    init(session: ReconnectingSession, console: Console, server: String, color: Bool) {
        self.session = session
        self.console = console
        self.server = server
        self.renderer = Renderer(color: color)
    }

    /// Handles one input line; false when the user asked to quit.
    func handle(_ line: String) async -> Bool {
        let step: Step
        do {
            step = try planner.plan(try ChatCommand.parse(line))
        } catch {
            console.show(renderer.error(error.message))
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
            planner.conversation = uid
            console.show(renderer.notice(uid.map { "plain lines now go to \(renderer.user($0)) (/chat alone stops)" }
                                         ?? "no conversation: plain lines need /chat <uid> first"))
            updatePrompt()
        case .request(let request):
            do {
                let reply = try await session.request(request.line)
                await learn()
                console.show(renderer.reply(to: request, reply))
            } catch let error as MPIMClientError {
                let detail = error == .notConnected ? "not connected to \(server)" : error.description
                console.show(renderer.error(detail))
            } catch {
                console.show(renderer.error("\(error)"))
            }
        }
        return true
    }

    /// Shows one thing the session reports.
    func show(_ event: ReconnectingSession.Event) async {
        if case .loggedInAgain = event { await learn() }
        if case .push(.kicked, _) = event { await learn() }
        console.show(renderer.event(event, server: server))
    }

    /// Picks up who is logged in from the session (after `/login`, `/register`,
    /// `/logout`, and their `/raw` forms).
    private func learn() async {
        let memory = await session.remembered
        if let credentials = memory.credentials, let uid = memory.uid {
            planner.knownNames[credentials.username] = uid
            renderer.names[uid] = credentials.username
            renderer.me = uid
            username = credentials.username
        } else {
            renderer.me = nil
            username = nil
        }
        updatePrompt()
    }

    private func updatePrompt() {
        let conversation = planner.conversation.map { " to \(renderer.user($0))" } ?? ""
        console.setPrompt((username ?? "") + conversation + "> ")
    }

    private var helpLines: [String] {
        let width = ChatCommand.usages.map(\.usage.count).max() ?? 0
        return ["commands (a line without / goes to the /chat conversation; // starts it with /):"]
            + ChatCommand.usages.map { "  " + $0.usage.padding(toLength: width + 2, withPad: " ", startingAt: 0) + $0.summary }
    }
}
