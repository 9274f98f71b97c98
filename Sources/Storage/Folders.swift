#if canImport(Glibc)
import Glibc
#endif

/// The folders a database file lives in, made as `mkdir -p` would, with the
/// system's own words when that fails.
enum Folders {
    /// Creates every missing folder above `path` (a file path).
    static func create(containing path: String) throws(FolderError) {
        var folders: [String] = []
        var folder = parent(of: path)
        while let current = folder {
            folders.append(current)
            folder = parent(of: current)
        }
        for folder in folders.reversed() where mkdir(folder, 0o755) != 0 && errno != EEXIST {
            throw FolderError(path: folder, reason: String(cString: strerror(errno)))
        }
        if let last = folders.first {
            var status = stat()
            guard stat(last, &status) == 0 else { throw FolderError(path: last, reason: String(cString: strerror(errno))) }
            guard status.st_mode & S_IFMT == S_IFDIR else { throw FolderError(path: last, reason: "not a folder") }
        }
    }

    /// The folder part of a path; nil for a bare name or the root.
    private static func parent(of path: String) -> String? {
        guard let slash = path.lastIndex(of: "/") else { return nil }
        let folder = String(path[..<slash])
        return folder.isEmpty ? nil : folder
    }
}

/// A folder for the database that could not be made.
public struct FolderError: Error, CustomStringConvertible {
    public var path: String
    public var reason: String
    public var description: String { "cannot create the folder \(path): \(reason)" }
}
