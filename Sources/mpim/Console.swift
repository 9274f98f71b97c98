import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Everything written to stdout goes through here. In interactive mode it
/// owns the bottom line (prompt and what is being typed): output is written
/// above it by erasing the line, printing, and drawing the line again, in one
/// write, so a push never lands in the middle of the user's typing.
final class Console: Sendable {
    let interactive: Bool
    private struct State {
        var prompt = "> "
        var input = ""
        /// Visible characters of prompt and input at the last draw.
        var drawn = 0
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

    /// The prompt, e.g. `alice> ` (plain text, one line).
    func setPrompt(_ prompt: String) {
        redrawInput { $0.prompt = prompt }
    }

    /// The text being typed changed.
    func setInput(_ input: String) {
        redrawInput { $0.input = input }
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

    /// Enter: the typed line stays on screen as typed, and a fresh input line starts.
    func submit(_ line: String) {
        guard interactive else { return }
        state.withLock { state in
            let eraseIt = erase(state)
            state.input = ""
            writeOut(eraseIt + state.prompt + line + "\n" + draw(&state))
        }
    }

    /// Draws the input line again (after Ctrl-L, a resize, or coming back from Ctrl-Z).
    func redraw(clearScreen: Bool = false) {
        guard interactive else { return }
        state.withLock { state in
            writeOut((clearScreen ? "\u{1B}[H\u{1B}[2J" : "\r\u{1B}[J") + draw(&state))
        }
    }

    /// Leaves the input line for good (on exit).
    func finish() {
        guard interactive else { return }
        state.withLock { state in
            writeOut(erase(state))
            state.drawn = 0
        }
    }

    /// Moves to the start of the input line (which may wrap) and clears to the end of the screen.
    private func erase(_ state: State) -> String {
        let rowsAbove = state.drawn > 0 ? (state.drawn - 1) / Terminal.width : 0
        return (rowsAbove > 0 ? "\u{1B}[\(rowsAbove)A" : "") + "\r\u{1B}[J"
    }

    private func draw(_ state: inout State) -> String {
        state.drawn = state.prompt.count + state.input.count
        return state.prompt + state.input
    }
}

/// Writes all of `text` to stdout, retrying after interrupts and short writes.
func writeOut(_ text: String) {
    var bytes = Array(text.utf8)[...]
    while !bytes.isEmpty {
        let written = bytes.withUnsafeBytes { write(STDOUT_FILENO, $0.baseAddress, $0.count) }
        if written < 0 {
            if errno == EINTR { continue }
            return  // stdout is gone (closed pipe): nothing left to tell
        }
        bytes = bytes.dropFirst(written)
    }
}
