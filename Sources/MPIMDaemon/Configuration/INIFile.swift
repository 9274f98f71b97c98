/// A parsed INI file: `[section]` headers, `key = value` lines, `;` or `#`
/// comments. Sections and keys are case-insensitive; each entry keeps its
/// line, so an error can name it.
public struct INIFile: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        public var section: String
        public var key: String
        public var value: String
        /// 1-based line number in the file.
        public var line: Int
    }

    /// A `[section]` header, with the line it is on.
    public struct Section: Sendable, Equatable {
        public var name: String
        public var line: Int
    }

    /// A line that is not a comment, a header or a `key = value`, or a key set twice.
    public struct SyntaxError: Error, Equatable, CustomStringConvertible {
        public var line: Int
        public var problem: String
        public var description: String { "line \(line): \(problem)" }
    }

    /// Entries in file order.
    public private(set) var entries: [Entry] = []
    /// Section headers in file order.
    public private(set) var sections: [Section] = []

    public init(parsing text: String) throws(SyntaxError) {
        var section = ""
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let number = index + 1
            let line = raw.trimmingWhitespace()
            if line.isEmpty || line.hasPrefix(";") || line.hasPrefix("#") { continue }
            if line.hasPrefix("[") {
                guard line.hasSuffix("]"), line.count > 2 else {
                    throw SyntaxError(line: number, problem: "cannot parse \"\(line)\": a section header is [name]")
                }
                section = String(line.dropFirst().dropLast()).trimmingWhitespace().lowercased()
                sections.append(Section(name: section, line: number))
                continue
            }
            guard let equals = line.firstIndex(of: "="), equals != line.startIndex else {
                throw SyntaxError(line: number, problem: "cannot parse \"\(line)\": expected \"key = value\" or \"[section]\"")
            }
            let key = line[..<equals].trimmingWhitespace().lowercased()
            var value = line[line.index(after: equals)...].trimmingWhitespace()
            // An inline comment needs a space before it, so values may contain ';'.
            for marker in [" ;", " #"] {
                if let range = value.range(of: marker) { value = String(value[..<range.lowerBound]).trimmingWhitespace() }
            }
            if let first = entries.first(where: { $0.section == section && $0.key == key }) {
                let name = section.isEmpty ? key : "[\(section)] \(key)"
                throw SyntaxError(line: number, problem: "\(name) is set twice (first on line \(first.line))")
            }
            entries.append(Entry(section: section, key: key, value: value, line: number))
        }
    }

    public subscript(section: String, key: String) -> String? {
        entry(section, key)?.value
    }

    public func entry(_ section: String, _ key: String) -> Entry? {
        entries.first { $0.section == section && $0.key == key }
    }
}

extension StringProtocol {
    func trimmingWhitespace() -> String {
        var text = Substring(self)
        while let first = text.first, first == " " || first == "\t" || first == "\r" { text = text.dropFirst() }
        while let last = text.last, last == " " || last == "\t" || last == "\r" { text = text.dropLast() }
        return String(text)
    }
}
