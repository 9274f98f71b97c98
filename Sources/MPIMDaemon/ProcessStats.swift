import Foundation

/// The daemon's own resource use, read from /proc at scrape time: the
/// figures behind the standard `process_*` metrics. Nil off Linux.
struct ProcessStats: Equatable {
    var cpuSeconds: Double
    var residentBytes: Int
    var virtualBytes: Int
    /// Seconds since the Unix epoch.
    var startTimeSeconds: Double
    var openFileDescriptors: Int
    /// The soft open-files limit; nil when unlimited.
    var maxFileDescriptors: Int?

    static func current() -> ProcessStats? {
        guard let stat = try? String(contentsOfFile: "/proc/self/stat", encoding: .utf8),
              let systemStat = try? String(contentsOfFile: "/proc/stat", encoding: .utf8),
              let limits = try? String(contentsOfFile: "/proc/self/limits", encoding: .utf8),
              let descriptors = try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")
        else { return nil }
        return ProcessStats(
            stat: stat, systemStat: systemStat, limits: limits, openFileDescriptors: descriptors.count,
            ticksPerSecond: Double(sysconf(Int32(_SC_CLK_TCK))), pageSize: sysconf(Int32(_SC_PAGESIZE)))
    }

    /// From the text of `/proc/self/stat`, `/proc/stat` (for the boot time)
    /// and `/proc/self/limits`.
    init?(stat: String, systemStat: String, limits: String, openFileDescriptors: Int,
          ticksPerSecond: Double, pageSize: Int) {
        // Fields are counted after the `(comm)` field, which may itself hold
        // spaces and parentheses: fields[0] is field 3 (state), so utime (14)
        // is fields[11], stime fields[12], starttime (22) fields[19], vsize
        // fields[20] and rss (pages) fields[21].
        guard let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 21,
              let user = Double(fields[11]), let system = Double(fields[12]),
              let startTicks = Double(fields[19]), let virtual = Int(fields[20]), let residentPages = Int(fields[21]),
              let bootLine = systemStat.split(separator: "\n").first(where: { $0.hasPrefix("btime ") }),
              let bootTime = Double(bootLine.dropFirst("btime ".count))
        else { return nil }
        cpuSeconds = (user + system) / ticksPerSecond
        residentBytes = residentPages * pageSize
        virtualBytes = virtual
        startTimeSeconds = bootTime + startTicks / ticksPerSecond
        self.openFileDescriptors = openFileDescriptors
        // "Max open files            1048576              1048576              files"
        let openFiles = limits.split(separator: "\n").first { $0.hasPrefix("Max open files") }
        maxFileDescriptors = openFiles.flatMap { line in
            line.dropFirst("Max open files".count).split(separator: " ").first.flatMap { Int($0) }
        }
    }
}
