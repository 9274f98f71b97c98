/// The input side of interactive mode: bytes go to the line editor, a
/// finished line goes on to the controller, except `/login <user>` or
/// `/register <user>` without a password, which first asks for it, unseen.
/// Says what the screen and the controller should get; pure.
struct InteractiveInput {
    enum Effect: Equatable {
        /// The line being typed changed: draw it again.
        case edit
        /// Ctrl-L: clear the screen and draw the line again.
        case clearScreen
        /// Enter: keep this on the screen as the finished line (a password masked, or nothing).
        case echo(String)
        /// Ask this in place of the prompt; nil: back to the prompt.
        case ask(String?)
        /// A note for the user (a password prompt was left).
        case note(String)
        /// Hand this line to the controller.
        case run(String)
        /// Ctrl-D on an empty line, or Ctrl-C: leave.
        case end
    }

    private(set) var editor = LineEditor()
    /// The command that waits for the password being typed (`/login alice`).
    private var waiting: String?

    mutating func feed(_ byte: UInt8) -> [Effect] {
        switch editor.feed(byte) {
        case .none: return []
        case .changed: return [.edit]
        case .redraw: return [.clearScreen]
        case .interrupt: return [.end]
        case .endOfInput:
            guard let command = waiting else { return [.end] }
            waiting = nil
            editor.endSecret()
            return [.echo(""), .ask(nil), .note("no password given: \(command) not sent")]
        case .submit(let line):
            return submit(line)
        }
    }

    private mutating func submit(_ line: String) -> [Effect] {
        if let command = waiting {
            waiting = nil
            guard !line.isEmpty else { return [.echo(""), .ask(nil), .note("no password given: \(command) not sent")] }
            guard !line.contains(" ") else {
                return [.echo(""), .ask(nil), .note("a password cannot contain spaces: \(command) not sent")]
            }
            return [.echo(""), .ask(nil), .run(command + " " + line)]
        }
        switch try? ChatCommand.parse(line) {
        case .login(let username, nil, nil):
            return ask(for: "/login \(username)", username, echo: line)
        case .register(let username, nil):
            return ask(for: "/register \(username)", username, echo: line)
        default:
            return [.echo(PasswordMask.masked(line) ?? line), .run(line)]
        }
    }

    private mutating func ask(for command: String, _ username: String, echo: String) -> [Effect] {
        waiting = command
        editor.askSecret()
        return [.echo(echo), .ask("password for \(username): ")]
    }
}
