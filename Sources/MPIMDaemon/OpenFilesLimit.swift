#if canImport(Glibc)
import Glibc
#endif
import Logging

/// Each client connection is a descriptor: the soft open-files limit (often
/// 1024) would cap a gateway long before memory does, so the daemon lifts it
/// to the hard limit as it starts.
enum OpenFilesLimit {
    /// Lifts the soft limit to the hard one and logs the limit in force.
    static func raise(logger: Logger) {
        var limit = rlimit()
        #if canImport(Glibc)
        let resource = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
        #else
        let resource = RLIMIT_NOFILE
        #endif
        guard getrlimit(resource, &limit) == 0 else { return }
        let before = limit.rlim_cur
        if limit.rlim_cur < limit.rlim_max {
            limit.rlim_cur = limit.rlim_max
            if setrlimit(resource, &limit) != 0 { limit.rlim_cur = before }
        }
        logger.info("open files limit", metadata: ["soft": "\(limit.rlim_cur)", "was": "\(before)"])
    }
}
