import ArgumentParser
import MPIMClient
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `mpim`: a terminal chat client for an mpim gateway.
@main
struct Mpim: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mpim",
        abstract: "Terminal chat client for an mpim gateway.",
        discussion: """
            Type /help once connected. With stdin and stdout on a terminal it edits the input line \
            itself and prints pushes above it; otherwise it reads commands line by line and prints \
            one line per reply or push, for scripts: errors go to stderr, and the exit status is 0 \
            only when the server was reached and every command succeeded.
            """)

    @Option(help: "Gateway host.")
    var host = "127.0.0.1"
    @Option(help: "Gateway port.")
    var port = 8000
    @Option(name: .customLong("reconnect-attempts"), help: "Failed connection attempts in a row before giving up.")
    var reconnectAttempts = 20
    @Option(name: .customLong("keepalive"), help: "Seconds without a command before a PING.")
    var keepaliveSeconds = 60
    @Flag(name: .customLong("no-color"), help: "No ANSI colors (also when NO_COLOR is set or stdout is not a terminal).")
    var noColor = false

    func validate() throws {
        guard (1...65535).contains(port) else { throw ValidationError("--port must be 1-65535") }
        guard reconnectAttempts >= 1 else { throw ValidationError("--reconnect-attempts must be at least 1") }
        guard keepaliveSeconds >= 1 else { throw ValidationError("--keepalive must be at least 1") }
    }

    func run() async throws {
        let interactive = Terminal.isTTY(STDIN_FILENO) && Terminal.isTTY(STDOUT_FILENO)
        let color = Terminal.isTTY(STDOUT_FILENO) && !noColor && getenv("NO_COLOR") == nil
        signal(SIGPIPE, SIG_IGN)  // a closed stdout or socket is an error return, not death

        let reader = StdinReader()
        if interactive {
            try Terminal.enterInteractiveMode(wake: reader.wakeDescriptor)
        }
        defer { Terminal.restore() }

        let console = Console(interactive: interactive)
        let session = ReconnectingSession(configuration: .init(
            host: host, port: port, backoff: Backoff(attempts: reconnectAttempts),
            keepaliveInterval: .seconds(keepaliveSeconds)))
        let controller = ChatController(session: session, console: console, server: "\(host):\(port)", color: color)
        console.setPrompt("> ")

        let (lines, submit) = AsyncStream<String>.makeStream()
        let outcome = await withTaskGroup(of: Void.self) { group in
            group.addTask {
                await readInput(reader, console: console, interactive: interactive, into: submit)
            }
            group.addTask {
                // A script's commands (and its end) wait for the first try to connect, so
                // that `mpim </dev/null` with no server tells why instead of quitting unheard.
                if !interactive { await controller.waitForFirstConnectionAttempt() }
                for await line in lines {
                    guard await controller.handle(line) else { break }
                }
                await session.quit()
            }
            group.addTask {
                for await event in session.events {
                    await controller.show(event)
                }
            }
            let outcome = await session.run()
            await controller.sessionEnded()
            reader.stop()  // the input task ends, so the command task ends too
            submit.finish()
            return outcome
        }
        console.finish()
        if interactive {
            if outcome == .gaveUp { throw ExitCode(1) }
            return
        }
        // A script learns from the exit status whether everything worked, and from stderr why not.
        let run = await controller.outcome
        if let summary = run.summary(server: controller.server) {
            writeOut(summary + "\n", to: STDERR_FILENO)
        }
        if run.exitStatus != 0 || outcome == .gaveUp { throw ExitCode(1) }
    }
}

/// Turns stdin into command lines: via the line editor on a terminal, else
/// split at newlines. Ends `lines` at end of input or Ctrl-D.
private func readInput(_ reader: StdinReader, console: Console, interactive: Bool,
                       into lines: AsyncStream<String>.Continuation) async {
    defer { lines.finish() }
    var input = InteractiveInput()
    var partial: [UInt8] = []
    for await chunk in reader.chunks {
        guard case .bytes(let bytes) = chunk else {
            console.redraw()  // a resize, or back from Ctrl-Z
            continue
        }
        guard interactive else {
            partial += bytes
            while let newline = partial.firstIndex(of: UInt8(ascii: "\n")) {
                var line = partial[..<newline]
                if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
                lines.yield(String(decoding: line, as: UTF8.self))
                partial.removeSubrange(...newline)
            }
            continue
        }
        for byte in bytes {
            for effect in input.feed(byte) {
                switch effect {
                case .edit:
                    console.setInput(input.editor.text, cursor: input.editor.cursor, hidden: input.editor.isSecret)
                case .clearScreen:
                    console.redraw(clearScreen: true)
                case .echo(let shown):
                    console.submit(echo: shown)
                case .ask(let question):
                    console.setQuestion(question)
                    console.setInput(input.editor.text, cursor: input.editor.cursor, hidden: input.editor.isSecret)
                case .note(let note):
                    console.show("* " + note)
                case .run(let line):
                    lines.yield(line)
                case .end:
                    return
                }
            }
        }
    }
    if !partial.isEmpty { lines.yield(String(decoding: partial, as: UTF8.self)) }
}
