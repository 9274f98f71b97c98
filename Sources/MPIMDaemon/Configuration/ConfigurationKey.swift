/// One key of the config file: where it lives, which flags set it, how its
/// text becomes part of a `DaemonConfiguration` and how it is shown again.
struct ConfigurationKey {
    let section: String
    let name: String
    /// Command-line flags that set this key too (`--port`).
    let flags: [String]
    /// Parses `text` into the configuration, or says why it cannot.
    let apply: (String, inout DaemonConfiguration) throws(ValueProblem) -> Void
    /// The value in force, as `--check-config` prints it.
    let show: (DaemonConfiguration) -> String

    /// `section.key`, as `--check-config` names it.
    var qualifiedName: String { "\(section).\(name)" }

    init(_ section: String, _ name: String, flags: [String] = [],
         apply: @escaping (String, inout DaemonConfiguration) throws(ValueProblem) -> Void,
         show: @escaping (DaemonConfiguration) -> String) {
        self.section = section
        self.name = name
        self.flags = flags
        self.apply = apply
        self.show = show
    }

    /// A key stored at `path`, read and shown as `kind` says.
    init<Value>(_ section: String, _ name: String, _ kind: ValueKind<Value>, flags: [String] = [],
                _ path: WritableKeyPath<DaemonConfiguration, Value>) {
        self.init(
            section, name, flags: flags,
            apply: { text, configuration throws(ValueProblem) in configuration[keyPath: path] = try kind.parse(text) },
            show: { kind.format($0[keyPath: path]) })
    }
}
