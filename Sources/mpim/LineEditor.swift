/// The line being typed in interactive mode, fed one byte at a time from a
/// terminal in non-canonical mode, edited the way shells edit: a cursor that
/// moves by character (Left/Right, Ctrl-B/F), by word (Alt-B/F,
/// Ctrl-Left/Right) and to either end (Home/End, Ctrl-A/E); Backspace and
/// Delete, Ctrl-K/U (to the end, to the start), Ctrl-W and Alt-Backspace (the
/// word before), Alt-D (the word after); Up/Down and Ctrl-P/N for earlier
/// lines; Ctrl-D ends an empty line, Ctrl-L redraws. A line that holds a
/// password never enters the history, and a password asked for is typed
/// unseen (`askSecret`). Pure.
struct LineEditor {
    enum Action: Equatable {
        /// Enter: the finished line (the editor is empty again).
        case submit(String)
        /// The text or the cursor changed: redraw it.
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

    private var characters: [Character] = []
    /// Characters before the cursor.
    private(set) var cursor = 0
    /// A password is being typed: not shown, not kept.
    private(set) var isSecret = false
    private var decoder = KeyDecoder()
    private var history: [String] = []
    /// Index into `history` while browsing it with Up/Down; nil when editing a new line.
    private var browsing: Int?
    private var draft = ""
    let historyLimit = 200

    var text: String { String(characters) }

    /// The next line is a password: it is not drawn and not kept.
    mutating func askSecret() {
        isSecret = true
        characters = []
        cursor = 0
        browsing = nil
    }

    /// The password prompt was left: the next line is an ordinary one.
    mutating func endSecret() {
        isSecret = false
        characters = []
        cursor = 0
    }

    mutating func feed(_ byte: UInt8) -> Action {
        guard let key = decoder.feed(byte) else { return .none }
        return apply(key)
    }

    mutating func apply(_ key: Key) -> Action {
        switch key {
        case .character(let character): return insert(character)
        case .enter: return submit()
        case .backspace: return delete(cursor - 1..<cursor)
        case .delete: return delete(cursor..<cursor + 1)
        case .left: return move(to: cursor - 1)
        case .right: return move(to: cursor + 1)
        case .home: return move(to: 0)
        case .end: return move(to: characters.count)
        case .wordLeft: return move(to: wordStart(before: cursor))
        case .wordRight: return move(to: wordEnd(after: cursor))
        case .deleteWordLeft: return delete(wordStart(before: cursor)..<cursor)
        case .deleteWordRight: return delete(cursor..<wordEnd(after: cursor))
        case .up: return browse(by: -1)
        case .down: return browse(by: 1)
        case .control(let letter): return control(letter)
        case .ignored: return .none
        }
    }

    private mutating func control(_ letter: Character) -> Action {
        switch letter {
        case "a": return move(to: 0)
        case "e": return move(to: characters.count)
        case "b": return move(to: cursor - 1)
        case "f": return move(to: cursor + 1)
        case "k": return delete(cursor..<characters.count)
        case "u": return delete(0..<cursor)
        case "w": return delete(blankDelimitedWordStart(before: cursor)..<cursor)
        case "p": return browse(by: -1)
        case "n": return browse(by: 1)
        case "d": return characters.isEmpty ? .endOfInput : delete(cursor..<cursor + 1)
        case "c": return .interrupt
        case "l": return .redraw
        default: return .none
        }
    }

    private mutating func submit() -> Action {
        let line = text
        if !isSecret && !line.isEmpty && history.last != line && PasswordMask.isSafeToKeep(line) {
            history.append(line)
            if history.count > historyLimit { history.removeFirst() }
        }
        characters = []
        cursor = 0
        browsing = nil
        isSecret = false
        return .submit(line)
    }

    private mutating func insert(_ character: Character) -> Action {
        // A combining mark joins the character before it: count again as a String does.
        let before = String(characters[..<cursor]) + String(character)
        characters = Array(before + String(characters[cursor...]))
        cursor = before.count
        return .changed
    }

    private mutating func delete(_ range: Range<Int>) -> Action {
        let range = range.clamped(to: 0..<characters.count)
        guard !range.isEmpty else { return .none }
        characters.removeSubrange(range)
        cursor = range.lowerBound
        return .changed
    }

    private mutating func move(to position: Int) -> Action {
        let position = min(max(position, 0), characters.count)
        guard position != cursor else { return .none }
        cursor = position
        return .changed
    }

    private static func isWordCharacter(_ character: Character) -> Bool {
        character.isLetter || character.isNumber
    }

    /// Alt-B: back over non-word characters, then to the start of the word.
    private func wordStart(before index: Int) -> Int {
        var at = index
        while at > 0 && !Self.isWordCharacter(characters[at - 1]) { at -= 1 }
        while at > 0 && Self.isWordCharacter(characters[at - 1]) { at -= 1 }
        return at
    }

    /// Alt-F: over non-word characters, then to the end of the word.
    private func wordEnd(after index: Int) -> Int {
        var at = index
        while at < characters.count && !Self.isWordCharacter(characters[at]) { at += 1 }
        while at < characters.count && Self.isWordCharacter(characters[at]) { at += 1 }
        return at
    }

    /// Ctrl-W: back over spaces, then to the previous space.
    private func blankDelimitedWordStart(before index: Int) -> Int {
        var at = index
        while at > 0 && characters[at - 1] == " " { at -= 1 }
        while at > 0 && characters[at - 1] != " " { at -= 1 }
        return at
    }

    private mutating func browse(by step: Int) -> Action {
        guard !isSecret, !history.isEmpty else { return .none }
        let current = browsing ?? history.count
        let next = min(max(current + step, 0), history.count)
        guard next != current else { return .none }
        if browsing == nil { draft = text }
        let line: String
        if next == history.count {
            browsing = nil
            line = draft
        } else {
            browsing = next
            line = history[next]
        }
        characters = Array(line)
        cursor = characters.count
        return .changed
    }
}
