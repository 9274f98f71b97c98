/// Where a typed line holds a password (`/login alice secret`, `/register …`,
/// `/raw LOGIN …`), so that it is kept out of the history and shown masked
/// on the screen. Pure.
enum PasswordMask {
    static let mask = "********"

    /// The line with its password replaced by `********`; nil when it holds none.
    static func masked(_ line: String) -> String? {
        var words = line.split(separator: " ", omittingEmptySubsequences: false)
        guard let at = passwordIndex(in: words) else { return nil }
        words[at] = Substring(mask)
        return words.joined(separator: " ")
    }

    /// Whether the line may be kept in the history.
    static func isSafeToKeep(_ line: String) -> Bool {
        masked(line) == nil
    }

    /// The index of the password among the line's space-separated pieces (empty ones included).
    private static func passwordIndex(in words: [Substring]) -> Int? {
        let nonEmpty = words.indices.filter { !words[$0].isEmpty }
        func word(_ n: Int) -> String? { n < nonEmpty.count ? words[nonEmpty[n]].lowercased() : nil }
        let position: Int
        switch word(0) {
        case "/login", "/register": position = 2
        case "/raw" where ["login", "register"].contains(word(1)): position = 3
        default: return nil
        }
        return position < nonEmpty.count ? nonEmpty[position] : nil
    }
}
