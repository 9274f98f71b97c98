import MPIMCore
import WorkQueues

/// Why a configuration value cannot be used, as the error line ends:
/// "must be 0–65535".
struct ValueProblem: Error, Equatable {
    var text: String
}

/// How one kind of configuration value is read from text and shown again.
struct ValueKind<Value> {
    let parse: (String) throws(ValueProblem) -> Value
    let format: (Value) -> String

    /// The same text, stored as another type.
    func map<Other>(_ forward: @escaping (Value) -> Other, back: @escaping (Other) -> Value) -> ValueKind<Other> {
        ValueKind<Other>(parse: { text throws(ValueProblem) in forward(try parse(text)) }, format: { format(back($0)) })
    }
}

extension ValueKind where Value == Int {
    /// A whole number in `range`, written in decimal.
    static func integer(_ range: ClosedRange<Int>, unit: String = "") -> ValueKind {
        ValueKind(
            parse: { text throws(ValueProblem) in
                guard let value = Int(text), range.contains(value) else {
                    throw ValueProblem(text: "must be a whole number \(range.lowerBound)–\(range.upperBound)\(unit)")
                }
                return value
            },
            format: { String($0) })
    }
}

extension ValueKind where Value == Duration {
    /// Seconds, fractions allowed ("2.5"), in `range`.
    static func seconds(_ range: ClosedRange<Double>) -> ValueKind {
        ValueKind(
            parse: { text throws(ValueProblem) in
                guard let value = Double(text), value.isFinite, range.contains(value) else {
                    throw ValueProblem(text: "must be \(decimal(range.lowerBound))–\(decimal(range.upperBound)) seconds")
                }
                return .milliseconds(Int64((value * 1000).rounded()))
            },
            format: { decimal($0.timeInterval) })
    }

    /// Whole seconds in `range`.
    static func wholeSeconds(_ range: ClosedRange<Int>) -> ValueKind {
        ValueKind<Int>.integer(range, unit: " seconds").map({ .seconds($0) }, back: { Int($0.components.seconds) })
    }

    /// Whole milliseconds in `range`.
    static func milliseconds(_ range: ClosedRange<Int>) -> ValueKind {
        ValueKind<Int>.integer(range, unit: " ms").map({ .milliseconds($0) }, back: { Int($0.wholeMilliseconds) })
    }
}

extension ValueKind where Value == String {
    /// Any text that `isValid` accepts; `requirement` says what that is.
    static func text(_ requirement: String, _ isValid: @escaping (String) -> Bool) -> ValueKind {
        ValueKind(
            parse: { text throws(ValueProblem) in
                guard isValid(text) else { throw ValueProblem(text: "must be \(requirement)") }
                return text
            },
            format: { $0 })
    }

    /// An address to bind or connect to: an IP address or a host name.
    static var host: ValueKind {
        text("an IP address or host name") { host in
            (1...253).contains(host.utf8.count) && host.utf8.allSatisfy { byte in
                NameCharacters.contains(byte) || byte == UInt8(ascii: ":") || byte == UInt8(ascii: "%")
            }
        }
    }

    /// One of `choices`, case-insensitive, stored in lower case.
    static func choice(_ choices: [String]) -> ValueKind {
        ValueKind(
            parse: { text throws(ValueProblem) in
                guard let choice = choices.first(where: { $0 == text.lowercased() }) else {
                    throw ValueProblem(text: "must be " + listed(choices))
                }
                return choice
            },
            format: { $0 })
    }
}

extension ValueKind where Value: CaseIterable & RawRepresentable, Value.RawValue == String {
    /// One of the type's cases, by its raw value (`choice`).
    static var cases: ValueKind {
        ValueKind<String>.choice(Value.allCases.map(\.rawValue)).map({ Value(rawValue: $0)! }, back: \.rawValue)
    }
}

/// "a, b or c".
func listed(_ words: [String]) -> String {
    guard words.count > 1 else { return words.first ?? "" }
    return words.dropLast().joined(separator: ", ") + " or " + words.last!
}

/// A number without a needless ".0".
private func decimal(_ value: Double) -> String {
    value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
}
