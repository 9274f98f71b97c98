/// The arguments after a command word, taken one at a time. Words are
/// separated by spaces; a word that starts with `"` runs to the next `"`, so
/// it may hold spaces (`"my group"`). Free text (a message) is the rest of the
/// line, kept exactly. Pure.
struct Arguments {
    private var remaining: Substring

    init(_ text: Substring) {
        remaining = text
    }

    /// Nothing but spaces left.
    var isEmpty: Bool { remaining.allSatisfy { $0 == " " } }

    /// The next word, unquoted; nil when none is left. `quoted` tells whether
    /// it came in quotes (so it may hold spaces).
    mutating func word() throws(CommandError) -> (text: String, quoted: Bool)? {
        remaining = remaining.drop { $0 == " " }
        guard let first = remaining.first else { return nil }
        guard first == "\"" else { return (String(bareWord() ?? ""), false) }
        let inside = remaining.dropFirst()
        guard let close = inside.firstIndex(of: "\"") else {
            throw CommandError("a quote is not closed: \(remaining)")
        }
        let after = inside[inside.index(after: close)...]
        guard after.isEmpty || after.first == " " else {
            throw CommandError("a closing quote must end the word: \(remaining.prefix { $0 != " " })")
        }
        remaining = after
        return (String(inside[..<close]), true)
    }

    /// The next word as typed, quotes and all (a password may hold `"`); nil when none is left.
    mutating func bareWord() -> Substring? {
        remaining = remaining.drop { $0 == " " }
        guard !remaining.isEmpty else { return nil }
        let word = remaining.prefix { $0 != " " }
        remaining = remaining.dropFirst(word.count)
        return word
    }

    /// The next word, which cannot hold spaces (a username, a uid): a quoted
    /// one with a space is refused, saying that `what` has none.
    mutating func name(_ what: String) throws(CommandError) -> String? {
        guard let (text, quoted) = try word() else { return nil }
        if quoted && text.contains(" ") { throw CommandError("\(what) cannot contain spaces: \"\(text)\"") }
        guard !text.isEmpty else { throw CommandError("\(what) cannot be empty") }
        return text
    }

    /// The rest of the line after the single space that ends the previous
    /// word, exactly (inner and trailing spaces kept); nil when it is empty.
    mutating func text() -> String? {
        let rest = remaining.first == " " ? remaining.dropFirst() : remaining
        remaining = ""
        return rest.isEmpty ? nil : String(rest)
    }
}
