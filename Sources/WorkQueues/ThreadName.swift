#if canImport(Glibc)
import Glibc
#endif

/// Names the calling OS thread, as `top -H`, `ps -L` and `perf` show it (the
/// kernel keeps 15 bytes). Foundation's `Thread.name` did not always reach
/// the OS thread, which then kept the name of the thread that made it (a
/// Swift concurrency worker's `com.apple.root.default-qos`). Written to
/// `/proc/thread-self/comm`: Glibc's `pthread_setname_np` is not visible
/// to Swift.
public func nameCurrentThread(_ name: String) {
    #if canImport(Glibc)
    let file = open("/proc/thread-self/comm", O_WRONLY)
    guard file >= 0 else { return }
    defer { close(file) }
    let bytes = Array(name.utf8.prefix(15))
    _ = bytes.withUnsafeBytes { write(file, $0.baseAddress, $0.count) }
    #endif
}
