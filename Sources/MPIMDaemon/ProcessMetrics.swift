/// The `process_*` families and `mpim_build_info`, rendered as Prometheus
/// text at scrape time. They are figures read from /proc, not events, so they
/// are written out rather than kept in collectors (a counter there could only
/// be set by resetting it, which two scrapes at once would get wrong).
enum ProcessMetrics {
    static func render(_ stats: ProcessStats?, version: String) -> String {
        var text = family("mpim_build_info", sample: #"mpim_build_info{version="\#(escape(version))"} 1"#)
        guard let stats else { return text }
        text += family("process_cpu_seconds_total", value: "\(stats.cpuSeconds)")
        text += family("process_resident_memory_bytes", value: "\(stats.residentBytes)")
        text += family("process_virtual_memory_bytes", value: "\(stats.virtualBytes)")
        text += family("process_open_fds", value: "\(stats.openFileDescriptors)")
        if let max = stats.maxFileDescriptors {
            text += family("process_max_fds", value: "\(max)")
        }
        text += family("process_start_time_seconds", value: "\(stats.startTimeSeconds)")
        return text
    }

    private static func family(_ name: String, value: String) -> String {
        family(name, sample: "\(name) \(value)")
    }

    /// HELP, TYPE and the sample; the first two from the catalogue.
    private static func family(_ name: String, sample: String) -> String {
        guard let entry = MetricsCatalogue.entry(name) else { return sample + "\n" }
        return "# HELP \(name) \(entry.help)\n# TYPE \(name) \(entry.kind.rawValue)\n\(sample)\n"
    }

    /// A label value as the text format wants it.
    private static func escape(_ value: String) -> String {
        var escaped = ""
        for character in value {
            switch character {
            case "\\": escaped += "\\\\"
            case "\"": escaped += "\\\""
            case "\n": escaped += "\\n"
            default: escaped.append(character)
            }
        }
        return escaped
    }
}
