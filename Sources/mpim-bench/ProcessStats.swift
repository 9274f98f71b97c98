#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// What Linux's /proc says about a process: the server under test, or this one.
enum ProcessStats {
    /// Resident memory in KiB (`VmRSS` of `/proc/<pid>/status`).
    static func residentKilobytes(pid: Int32) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        return residentKilobytes(status: status)
    }

    static func residentKilobytes(status: String) -> Int? {
        for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            return line.dropFirst("VmRSS:".count).split(whereSeparator: { $0 == " " || $0 == "\t" }).first.flatMap { Int($0) }
        }
        return nil
    }

    /// CPU time used so far (user + system), in seconds; `pid` nil reads this process.
    static func cpuSeconds(pid: Int32?) -> Double? {
        let path = pid.map { "/proc/\($0)/stat" } ?? "/proc/self/stat"
        guard let stat = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        return cpuSeconds(stat: stat, ticksPerSecond: Double(sysconf(Int32(_SC_CLK_TCK))))
    }

    /// utime and stime are fields 14 and 15 of `/proc/<pid>/stat`, counted after the
    /// `(comm)` field, which may itself hold spaces and parentheses.
    static func cpuSeconds(stat: String, ticksPerSecond: Double) -> Double? {
        guard let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // fields[0] is field 3 (state), so utime (14) is fields[11] and stime (15) fields[12].
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        return (user + system) / ticksPerSecond
    }

    /// Raises this process's soft open-files limit to its hard limit: thousands of
    /// connections need thousands of descriptors. Returns the soft limit now in force.
    @discardableResult
    static func raiseOpenFilesLimit() -> Int {
        var limits = rlimit()
        guard getrlimit(resourceOpenFiles, &limits) == 0 else { return 0 }
        if limits.rlim_cur < limits.rlim_max {
            var raised = limits
            raised.rlim_cur = limits.rlim_max
            if setrlimit(resourceOpenFiles, &raised) == 0 { limits = raised }
        }
        return Int(clamping: limits.rlim_cur)
    }

    #if canImport(Glibc)
    private static let resourceOpenFiles = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
    #else
    private static let resourceOpenFiles = RLIMIT_NOFILE
    #endif
}

/// CPU use of the bench and of the watched server processes over an interval.
struct CPUSample {
    let time: UInt64
    let bench: Double?
    let servers: [Double?]

    init(serverPIDs: [Int32]) {
        time = monotonicNanos()
        bench = ProcessStats.cpuSeconds(pid: nil)
        servers = serverPIDs.map { ProcessStats.cpuSeconds(pid: $0) }
    }

    /// Percent of one core over `[self, later]` for the bench and each server (100 = one core busy).
    func percentages(until later: CPUSample) -> (bench: Double?, servers: [Double?]) {
        let elapsed = Double(later.time &- time) / 1e9
        func percent(_ start: Double?, _ end: Double?) -> Double? {
            guard let start, let end, elapsed > 0 else { return nil }
            return (end - start) / elapsed * 100
        }
        return (percent(bench, later.bench), zip(servers, later.servers).map { percent($0, $1) })
    }
}

/// `server`, `server2`, `server3`, …: the figure prefix of the `index`th `--server-pid`.
func serverKey(_ index: Int) -> String {
    index == 0 ? "server" : "server\(index + 1)"
}
