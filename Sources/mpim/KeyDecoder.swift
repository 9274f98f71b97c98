/// A key press as the line editor sees it.
enum Key: Equatable {
    /// A printable character (UTF-8 decoded; Tab arrives as a space).
    case character(Character)
    case enter
    case backspace
    /// Ctrl and a letter: `control("a")` for Ctrl-A.
    case control(Character)
    case left, right, up, down, home, end, delete
    /// Alt-B / Alt-F, and Ctrl- or Alt-Left/Right.
    case wordLeft, wordRight
    /// Alt-Backspace / Alt-D.
    case deleteWordLeft, deleteWordRight
    /// A sequence the editor does not use.
    case ignored
}

/// Turns the bytes of a terminal in non-canonical mode into keys: UTF-8,
/// control bytes, and the escape sequences of arrows, Home/End, Delete and
/// Alt-letters (`ESC [ …`, `ESC O …`, `ESC b`). Pure.
struct KeyDecoder {
    private var pending: [UInt8] = []
    private var escape: [UInt8]?

    /// The key `byte` completes, or nil when more bytes are needed.
    mutating func feed(_ byte: UInt8) -> Key? {
        if escape != nil { return continueEscape(byte) }
        if !pending.isEmpty || byte >= 0x80 { return continueUTF8(byte) }
        switch byte {
        case 0x0D, 0x0A: return .enter
        case 0x7F, 0x08: return .backspace
        case 0x09: return .character(" ")
        case 0x1B:
            escape = []
            return nil
        case 0x01...0x1A: return .control(Character(UnicodeScalar(byte + 0x60)))
        case 0x20...0x7E: return .character(Character(UnicodeScalar(byte)))
        default: return .ignored
        }
    }

    /// `ESC [ params final`, `ESC O final`, or `ESC <key>` (Alt and a key).
    private mutating func continueEscape(_ byte: UInt8) -> Key? {
        escape!.append(byte)
        let sequence = escape!
        if sequence.count == 1 {
            if byte == UInt8(ascii: "[") || byte == UInt8(ascii: "O") { return nil }
            escape = nil
            switch byte {
            case UInt8(ascii: "b"), UInt8(ascii: "B"): return .wordLeft
            case UInt8(ascii: "f"), UInt8(ascii: "F"): return .wordRight
            case UInt8(ascii: "d"), UInt8(ascii: "D"): return .deleteWordRight
            case 0x7F, 0x08: return .deleteWordLeft
            default: return .ignored
            }
        }
        guard (0x40...0x7E).contains(byte) else {
            if sequence.count > 16 {  // not a sequence we know the end of
                escape = nil
                return .ignored
            }
            return nil
        }
        escape = nil
        let parameters = String(decoding: sequence.dropFirst().dropLast(), as: UTF8.self).split(separator: ";")
        // `1;5` (Ctrl) or `1;3` (Alt) before the final byte: a word move.
        let modified = parameters.count == 2 && ["3", "5", "9"].contains(parameters[1])
        switch byte {
        case UInt8(ascii: "A"): return .up
        case UInt8(ascii: "B"): return .down
        case UInt8(ascii: "C"): return modified ? .wordRight : .right
        case UInt8(ascii: "D"): return modified ? .wordLeft : .left
        case UInt8(ascii: "H"): return .home
        case UInt8(ascii: "F"): return .end
        case UInt8(ascii: "~"):
            switch parameters.first {
            case "1", "7": return .home
            case "4", "8": return .end
            case "3": return .delete
            default: return .ignored
            }
        default: return .ignored
        }
    }

    private mutating func continueUTF8(_ byte: UInt8) -> Key? {
        pending.append(byte)
        let lead = pending[0]
        let length = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 0
        guard length > 0 else {  // a stray continuation byte
            pending = []
            return .ignored
        }
        guard pending.count == length else { return nil }
        let decoded = String(decoding: pending, as: UTF8.self)
        pending = []
        return decoded.first.map(Key.character) ?? .ignored
    }
}
