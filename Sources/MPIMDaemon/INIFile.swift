import Foundation

/// A parsed INI file: `[section]` headers, `key = value` lines, `;` or `#` comments.
public struct INIFile: Sendable, Equatable {
    public private(set) var sections: [String: [String: String]] = [:]

    public struct SyntaxError: Error, Equatable, CustomStringConvertible {
        public var line: Int
        public var text: String
        public var description: String { "line \(line): cannot parse \"\(text)\"" }
    }

    public init(parsing text: String) throws {
        var section = ""
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingWhitespace()
            if line.isEmpty || line.hasPrefix(";") || line.hasPrefix("#") { continue }
            if line.hasPrefix("[") {
                guard line.hasSuffix("]") else { throw SyntaxError(line: index + 1, text: String(raw)) }
                section = String(line.dropFirst().dropLast()).trimmingWhitespace().lowercased()
                continue
            }
            guard let equals = line.firstIndex(of: "=") else {
                throw SyntaxError(line: index + 1, text: String(raw))
            }
            let key = line[..<equals].trimmingWhitespace().lowercased()
            var value = line[line.index(after: equals)...].trimmingWhitespace()
            // An inline comment needs a space before it, so values may contain ';'.
            for marker in [" ;", " #"] {
                if let range = value.range(of: marker) { value = String(value[..<range.lowerBound]).trimmingWhitespace() }
            }
            sections[section, default: [:]][key] = value
        }
    }

    public subscript(section: String, key: String) -> String? {
        sections[section]?[key]
    }
}

extension StringProtocol {
    func trimmingWhitespace() -> String {
        trimmingCharacters(in: .whitespaces)
    }
}
