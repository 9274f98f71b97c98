/// A flag or config value `mpimd` cannot start with: one line naming where
/// and what, and the exit status that goes with it (sysexits.h).
public struct ConfigurationError: Error, Equatable, CustomStringConvertible {
    public enum Origin: Sendable, Equatable {
        /// A command-line flag: exit 64 (EX_USAGE).
        case flags
        /// The config file, or reading it: exit 78 (EX_CONFIG).
        case file
    }

    public var origin: Origin
    /// The line after `mpimd: `, e.g. `--port 99999: must be a whole number 0–65535`.
    public var description: String

    public var exitStatus: Int32 { origin == .flags ? 64 : 78 }

    static func flag(_ flag: String, _ value: String, _ problem: String) -> ConfigurationError {
        ConfigurationError(origin: .flags, description: "\(flag) \(value): \(problem)")
    }

    static func file(_ path: String, line: Int, _ problem: String) -> ConfigurationError {
        ConfigurationError(origin: .file, description: "\(path):\(line): \(problem)")
    }
}
