#if canImport(Glibc)
import Glibc
#endif

/// Reading the config file with the system's own words for what went wrong
/// ("No such file or directory"), not a Foundation error dump.
enum ConfigurationFile {
    /// Larger than any config file; a bigger one is not a config file.
    static let maxBytes = 1 << 20

    static func read(_ path: String) throws(ConfigurationError) -> String {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw cannotRead(path, String(cString: strerror(errno))) }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw cannotRead(path, String(cString: strerror(errno)))
            }
            if count == 0 { break }
            bytes += chunk[..<count]
            guard bytes.count <= maxBytes else { throw cannotRead(path, "larger than \(maxBytes >> 20) MiB") }
        }
        guard let text = String(validating: bytes, as: UTF8.self) else { throw cannotRead(path, "not UTF-8 text") }
        return text
    }

    private static func cannotRead(_ path: String, _ reason: String) -> ConfigurationError {
        ConfigurationError(origin: .file, description: "cannot read \(path): \(reason)")
    }
}
