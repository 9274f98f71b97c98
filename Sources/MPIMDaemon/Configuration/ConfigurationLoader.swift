#if canImport(Glibc)
import Glibc
#endif

/// A flag as given on the command line (`--port`, `"99999"`).
public struct FlagValue: Sendable, Equatable {
    public var flag: String
    public var value: String

    public init(_ flag: String, _ value: String) {
        self.flag = flag
        self.value = value
    }
}

/// The configuration in force, and where each value came from.
public struct LoadedConfiguration: Sendable {
    public enum Source: String, Sendable { case `default`, file, flag }

    public var configuration: DaemonConfiguration
    /// `section.key` → where its value came from.
    public var sources: [String: Source]

    /// `section.key = value (default|file|flag)`, one per key, as `--check-config` prints them.
    public var effectiveLines: [String] {
        ConfigurationKey.all.map { key in
            "\(key.qualifiedName) = \(key.show(configuration)) (\((sources[key.qualifiedName] ?? .default).rawValue))"
        }
    }
}

extension DaemonConfiguration {
    /// The defaults, then the file (when there is one), then the flags, each
    /// value checked; the first bad one is thrown, naming where it is.
    ///
    /// - Parameters:
    ///   - file: path and text of the config file, or nil for none.
    public static func load(file: (path: String, text: String)?, flags: [FlagValue])
        throws(ConfigurationError) -> LoadedConfiguration
    {
        var loaded = LoadedConfiguration(configuration: DaemonConfiguration(), sources: [:])
        let keys = ConfigurationKey.all
        // `section.key` → its line in the file, for errors found after reading.
        var lines: [String: Int] = [:]
        if let file {
            lines = try apply(file, keys: keys, to: &loaded)
        }
        for flag in flags {
            let targets = keys.filter { $0.flags.contains(flag.flag) }
            guard !targets.isEmpty else {
                throw ConfigurationError(origin: .flags, description: "\(flag.flag): unknown flag")
            }
            for key in targets {
                do {
                    try key.apply(flag.value, &loaded.configuration)
                } catch {
                    throw .flag(flag.flag, flag.value, error.text)
                }
                loaded.sources[key.qualifiedName] = .flag
            }
        }
        try checkHeartbeat(loaded, path: file?.path, lines: lines)
        try checkServices(loaded, path: file?.path, lines: lines, flags: flags)
        return loaded
    }

    /// Reads the file at `path` (`--config`), or `etc/mpimd.conf` when no
    /// path is given and that file exists.
    public static func readFile(_ path: String?) throws(ConfigurationError) -> (path: String, text: String)? {
        let chosen = path ?? (access(defaultFile, F_OK) == 0 ? defaultFile : nil)
        guard let chosen else { return nil }
        return (chosen, try ConfigurationFile.read(chosen))
    }

    /// Read when `--config` is not given, relative to the working directory.
    public static let defaultFile = "etc/mpimd.conf"

    /// Applies the file's keys; returns the line of each key it set.
    private static func apply(_ file: (path: String, text: String), keys: [ConfigurationKey],
                              to loaded: inout LoadedConfiguration) throws(ConfigurationError) -> [String: Int] {
        let ini: INIFile
        do {
            ini = try INIFile(parsing: file.text)
        } catch {
            throw .file(file.path, line: error.line, error.problem)
        }
        let sections = Array(Set(keys.map(\.section))).sorted()
        for section in ini.sections where !sections.contains(section.name) {
            let hint = Suggestion.closest(to: section.name, among: sections).map { " (did you mean [\($0)]?)" } ?? ""
            throw .file(file.path, line: section.line, "unknown section [\(section.name)]\(hint)")
        }
        var lines: [String: Int] = [:]
        for entry in ini.entries {
            guard !entry.section.isEmpty else {
                throw .file(file.path, line: entry.line, "\(entry.key) is outside any [section]")
            }
            guard let key = keys.first(where: { $0.section == entry.section && $0.name == entry.key }) else {
                throw .file(file.path, line: entry.line,
                            "unknown key [\(entry.section)] \(entry.key)\(hint(for: entry, keys: keys))")
            }
            do {
                try key.apply(entry.value, &loaded.configuration)
            } catch {
                throw .file(file.path, line: entry.line, "[\(entry.section)] \(entry.key) = \(entry.value): \(error.text)")
            }
            loaded.sources[key.qualifiedName] = .file
            lines[key.qualifiedName] = entry.line
        }
        return lines
    }

    /// " (did you mean port?)", or another section's key of that name.
    private static func hint(for entry: INIFile.Entry, keys: [ConfigurationKey]) -> String {
        let here = keys.filter { $0.section == entry.section }.map(\.name)
        if let name = Suggestion.closest(to: entry.key, among: here) { return " (did you mean \(name)?)" }
        if let elsewhere = keys.first(where: { $0.name == entry.key }) {
            return " (did you mean [\(elsewhere.section)] \(elsewhere.name)?)"
        }
        return ""
    }

    /// A services process runs no gateway, so it calls no remote service:
    /// `serve` with `users` or `groups` set is a mistake, whichever names which.
    private static func checkServices(_ loaded: LoadedConfiguration, path: String?, lines: [String: Int],
                                      flags: [FlagValue]) throws(ConfigurationError) {
        let services = loaded.configuration.services
        guard services.isServicesProcess else { return }
        let serving = services.serve.map(\.rawValue).joined(separator: ",")
        for (name, address) in [("users", services.users), ("groups", services.groups)] {
            guard let address else { continue }
            let problem = "a process that serves \(serving) runs no gateway and calls no remote service; "
                + "set [services] \(name) on the gateways"
            if loaded.sources["services.\(name)"] == .flag {
                throw .flag("--\(name)", flags.last { $0.flag == "--\(name)" }?.value ?? "\(address)", problem)
            }
            throw .file(path ?? defaultFile, line: lines["services.\(name)"] ?? 0,
                        "[services] \(name) = \(address): \(problem)")
        }
    }

    /// A heartbeat renewed less often than it expires makes a live gateway look dead.
    private static func checkHeartbeat(_ loaded: LoadedConfiguration, path: String?,
                                       lines: [String: Int]) throws(ConfigurationError) {
        let configuration = loaded.configuration
        guard configuration.heartbeatInterval >= configuration.heartbeatTTL else { return }
        let keys = ConfigurationKey.all
        let interval = keys.first { $0.qualifiedName == "presence.heartbeat_interval" }!
        let ttl = keys.first { $0.qualifiedName == "presence.heartbeat_ttl" }!
        // Blame the key the file set; the interval when it set both.
        let blamed = loaded.sources[interval.qualifiedName] == .file ? interval : ttl
        let other = blamed.name == interval.name ? ttl : interval
        let relation = blamed.name == interval.name ? "shorter" : "longer"
        let problem = "[presence] \(blamed.name) = \(blamed.show(configuration)): must be \(relation) than "
            + "[presence] \(other.name) (\(other.show(configuration)))"
        throw .file(path ?? defaultFile, line: lines[blamed.qualifiedName] ?? 0, problem)
    }
}
