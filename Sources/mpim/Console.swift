import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Everything written to stdout goes through here. In interactive mode it
/// owns the input line at the bottom (prompt, what is being typed, the
/// cursor in it): output is written above it by erasing the line, printing,
/// and drawing the line again, in one write, so a push never lands in the
/// middle of the user's typing. In script mode error lines go to stderr.
final class Console: Sendable {
    let interactive: Bool
    private struct State {
        var prompt = "> "
        /// Shown instead of the prompt while the client asks for something (a password).
        var question: String?
        var input = ""
        /// Characters of `input` before the cursor.
        var cursor = 0
        /// A password being typed: drawn as nothing.
        var hidden = false
        /// What the last draw put on the screen: prompt and visible input, the
        /// cursor's index in it, and whether the text filled its last row so the
        /// cursor went to a fresh row below it.
        var drawn: [Character] = []
        var drawnCursor = 0
        var drawnFreshRow = false
    }
    private let state = Mutex(State())

    init(interactive: Bool) {
        self.interactive = interactive
    }

    /// Prints lines (each gets its own line) above the input line.
    func show(_ lines: [String]) {
        guard !lines.isEmpty else { return }
        let text = lines.joined(separator: "\n") + "\n"
        state.withLock { state in  // also when not interactive: one writer at a time keeps lines whole
            writeOut(interactive ? erase(state) + text + draw(&state) : text)
        }
    }

    func show(_ line: String) {
        show([line])
    }

    /// Error lines: above the input line on a terminal, on stderr for scripts.
    func showErrors(_ lines: [String]) {
        guard !interactive else { return show(lines) }
        guard !lines.isEmpty else { return }
        state.withLock { _ in writeOut(lines.joined(separator: "\n") + "\n", to: STDERR_FILENO) }
    }

    /// The prompt, e.g. `alice> ` (plain text, one line).
    func setPrompt(_ prompt: String) {
        redrawInput { $0.prompt = prompt }
    }

    /// Asks `question` (e.g. `password for alice: `) in place of the prompt; nil goes back to the prompt.
    func setQuestion(_ question: String?) {
        redrawInput { $0.question = question }
    }

    /// The text being typed, or the cursor in it, changed.
    func setInput(_ input: String, cursor: Int, hidden: Bool = false) {
        redrawInput {
            $0.input = input
            $0.cursor = cursor
            $0.hidden = hidden
        }
    }

    /// Erases the input line, applies `change`, draws it again.
    private func redrawInput(_ change: (inout State) -> Void) {
        guard interactive else { return }
        state.withLock { state in
            let eraseIt = erase(state)
            change(&state)
            writeOut(eraseIt + draw(&state))
        }
    }

    /// Enter: the line stays on screen as `echo` (the typed line, its password
    /// masked), and a fresh input line starts.
    func submit(echo: String) {
        guard interactive else { return }
        state.withLock { state in
            let eraseIt = erase(state)
            let shown = (state.question ?? state.prompt) + echo
            state.input = ""
            state.cursor = 0
            state.hidden = false
            writeOut(eraseIt + shown + "\n" + draw(&state))
        }
    }

    /// Draws the input line again (after a resize, or coming back from Ctrl-Z;
    /// with `clearScreen` after Ctrl-L).
    func redraw(clearScreen: Bool = false) {
        guard interactive else { return }
        state.withLock { state in
            writeOut((clearScreen ? "\u{1B}[H\u{1B}[2J" : erase(state)) + draw(&state))
        }
    }

    /// Leaves the input line for good (on exit).
    func finish() {
        guard interactive else { return }
        state.withLock { state in
            writeOut(erase(state))
            state.drawn = []
        }
    }

    /// Moves to the start of the input line and clears to the end of the
    /// screen. The line may wrap over several rows; how many lie above the
    /// cursor is worked out at today's width, since terminals that rewrap their
    /// lines on a resize (tmux, most today) keep the cursor where it was in the
    /// text: so a resize leaves no stale rows behind. (One that does not
    /// rewrap, such as xterm, may keep some; Ctrl-L redraws.)
    private func erase(_ state: State) -> String {
        guard !state.drawn.isEmpty else { return "\r\u{1B}[J" }
        let layout = InputLayout(state.drawn, width: Terminal.width)
        let rowsAbove = layout.cursor(at: state.drawnCursor, freshRow: state.drawnFreshRow).row
        return (rowsAbove > 0 ? "\u{1B}[\(rowsAbove)A" : "") + "\r\u{1B}[J"
    }

    /// Draws prompt and input from the start of a row and puts the cursor in place.
    private func draw(_ state: inout State) -> String {
        let visible = state.hidden ? "" : state.input
        let prompt = state.question ?? state.prompt
        let characters = Array(prompt + visible)
        let cursor = prompt.count + (state.hidden ? 0 : min(state.cursor, visible.count))
        let layout = InputLayout(characters, width: Terminal.width)
        var out = String(characters)
        // At the right edge the terminal waits to wrap; a fresh row puts the cursor where it shows.
        let freshRow = layout.endsAtEdge
        if freshRow { out += "\r\n" }
        let end = layout.cursor(at: characters.count, freshRow: freshRow)
        let target = layout.cursor(at: cursor, freshRow: freshRow)
        if target != end {
            if end.row > target.row { out += "\u{1B}[\(end.row - target.row)A" }
            out += "\r" + (target.column > 0 ? "\u{1B}[\(target.column)C" : "")
        }
        state.drawn = characters
        state.drawnCursor = cursor
        state.drawnFreshRow = freshRow
        return out
    }
}

/// Writes all of `text` to stdout (or `descriptor`), retrying after interrupts and short writes.
func writeOut(_ text: String, to descriptor: Int32 = STDOUT_FILENO) {
    var bytes = Array(text.utf8)[...]
    while !bytes.isEmpty {
        let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        if written < 0 {
            if errno == EINTR { continue }
            return  // the output is gone (closed pipe): nothing left to tell
        }
        bytes = bytes.dropFirst(written)
    }
}
