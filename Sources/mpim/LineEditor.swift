/// The line being typed in interactive mode, fed one byte at a time from a
/// terminal in non-canonical mode. Knows UTF-8, Backspace, Ctrl-U (clear),
/// Ctrl-W (delete a word), Ctrl-D (end on an empty line), Ctrl-L (redraw),
/// and Up/Down for earlier lines; other escape sequences are skipped. Pure.
struct LineEditor {
    enum Action: Equatable {
        /// Enter: the finished line (the editor is empty again).
        case submit(String)
        /// The text changed: redraw it.
        case changed
        /// Ctrl-D on an empty line.
        case endOfInput
        /// Ctrl-C when the terminal sends it as a byte.
        case interrupt
        /// Ctrl-L.
        case redraw
        /// Nothing to show (half a character, an ignored key).
        case none
    }

    private(set) var text = ""
    private var pending: [UInt8] = []
    private var escape: [UInt8]?
    private var history: [String] = []
    /// Index into `history` while browsing it with Up/Down; nil when editing a new line.
    private var browsing: Int?
    private var draft = ""
    let historyLimit = 200

    mutating func feed(_ byte: UInt8) -> Action {
        if escape != nil { return continueEscape(byte) }
        if !pending.isEmpty || byte >= 0x80 { return continueUTF8(byte) }
        switch byte {
        case 0x0D, 0x0A:
            let line = text
            if !line.isEmpty && history.last != line {
                history.append(line)
                if history.count > historyLimit { history.removeFirst() }
            }
            text = ""
            browsing = nil
            return .submit(line)
        case 0x7F, 0x08:
            guard !text.isEmpty else { return .none }
            text.removeLast()
            return .changed
        case 0x15:
            text = ""
            return .changed
        case 0x17:
            while text.last == " " { text.removeLast() }
            while let last = text.last, last != " " { text.removeLast() }
            return .changed
        case 0x04:
            return text.isEmpty ? .endOfInput : .none
        case 0x03:
            return .interrupt
        case 0x0C:
            return .redraw
        case 0x1B:
            escape = []
            return .none
        case 0x09:
            text.append(" ")
            return .changed
        case 0x20...0x7E:
            text.unicodeScalars.append(UnicodeScalar(byte))
            return .changed
        default:
            return .none
        }
    }

    /// `ESC [ params final` or `ESC O final`; Up (`A`) and Down (`B`) browse the history.
    private mutating func continueEscape(_ byte: UInt8) -> Action {
        escape!.append(byte)
        let sequence = escape!
        if sequence.count == 1 {
            if byte == UInt8(ascii: "[") || byte == UInt8(ascii: "O") { return .none }
            escape = nil  // Alt+key: dropped
            return .none
        }
        guard (0x40...0x7E).contains(byte) else {
            if sequence.count > 16 { escape = nil }
            return .none
        }
        escape = nil
        switch byte {
        case UInt8(ascii: "A"): return browse(by: -1)
        case UInt8(ascii: "B"): return browse(by: 1)
        default: return .none
        }
    }

    private mutating func browse(by step: Int) -> Action {
        guard !history.isEmpty else { return .none }
        let current = browsing ?? history.count
        let next = min(max(current + step, 0), history.count)
        guard next != current else { return .none }
        if browsing == nil { draft = text }
        if next == history.count {
            browsing = nil
            text = draft
        } else {
            browsing = next
            text = history[next]
        }
        return .changed
    }

    private mutating func continueUTF8(_ byte: UInt8) -> Action {
        pending.append(byte)
        let lead = pending[0]
        let length = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 0
        guard length > 0 else {  // a stray continuation byte
            pending = []
            return .none
        }
        guard pending.count == length else { return .none }
        let decoded = String(decoding: pending, as: UTF8.self)
        pending = []
        text += decoded
        return .changed
    }
}
