import Foundation
import NIOCore

/// One run of a scenario: the event loops, the gateways, the users' names.
struct Bench: Sendable {
    let server: ServerOptions
    let loops: Loops
    /// The loops the load's connections are spread over (`--threads`); with
    /// `readerLoop`, one more after them holds only the HISTORY readers, so
    /// their schedule and their replies do not wait behind the load's.
    let loadLoops: Int
    let prefix: String

    init(server: ServerOptions, readerLoop: Bool = false) async throws {
        ProcessStats.raiseOpenFilesLimit()
        self.server = server
        self.loadLoops = server.threads
        self.loops = try await Loops(threads: server.threads + (readerLoop ? 1 : 0))
        self.prefix = server.effectivePrefix
    }

    /// Runs the scenario, prints its report, and stops the event loops whatever happened.
    func run(_ scenario: (Bench) async throws -> Report) async throws {
        let report: Report
        do {
            report = try await scenario(self)
        } catch {
            await loops.shutdown()
            throw error
        }
        await loops.shutdown()
        server.print(report)
    }

    // MARK: Connections

    /// Opens connection number `index` of a scenario on `port`, on the load
    /// loop `index` maps to, or on the readers' loop.
    func open(_ index: Int, port: Int, greeting: BenchConnection.Greeting = .expected, reader: Bool = false)
        async throws -> Connection
    {
        let loop = reader && loops.count > loadLoops ? loops.loops[loadLoops] : loops.loops[index % loadLoops]
        return try await Connection.open(host: server.host, port: port, on: loop, greeting: greeting,
                                         webSocket: server.webSocket)
    }

    /// The gateway port for the `index`th connection: round the `--port` list.
    func port(_ index: Int) -> Int {
        server.ports[index % server.ports.count]
    }

    /// REGISTER, or LOGIN when the name is taken (a rerun with the same prefix). Returns the uid.
    func signIn(_ connection: Connection, as username: String) async throws -> Int {
        let reply = try await connection.request("REGISTER \(username) \(server.password)")
        if let uid = Wire.okInt("uid", in: reply) { return uid }
        guard reply.hasPrefix("-ERR user exists") else { throw BenchError("REGISTER \(username): \(reply)") }
        let login = try await connection.request("LOGIN \(username) \(server.password)")
        guard let uid = Wire.okInt("uid", in: login) else { throw BenchError("LOGIN \(username): \(login)") }
        return uid
    }

    /// `body(0..<count)` with at most `limit` running at once; results in index order.
    func setUp<T: Sendable>(_ count: Int, limit: Int? = nil,
                            _ body: @escaping @Sendable (Int) async throws -> T) async throws -> [T] {
        let limit = max(1, limit ?? server.setupConcurrency)
        return try await withThrowingTaskGroup(of: (Int, T).self) { group in
            var results = [T?](repeating: nil, count: count)
            var next = 0
            func startNext() {
                guard next < count else { return }
                let index = next
                next += 1
                group.addTask { (index, try await body(index)) }
            }
            for _ in 0..<min(limit, count) { startNext() }
            while let (index, value) = try await group.next() {
                results[index] = value
                startNext()
            }
            return results.map { $0! }
        }
    }

    func closeAll(_ connections: [Connection]) async {
        for connection in connections { connection.close() }
        for connection in connections {
            try? await connection.channel.closeFuture.get()
        }
    }

    // MARK: Measuring

    /// What `measure` saw.
    struct Measurement: Sendable {
        var total: LoopSnapshot
        var seconds: Double
        var benchCPU: Double?
        /// Per `--server-pid`, in order.
        var serverCPU: [Double?]
        /// Resident memory when the measured seconds start, and after the drain.
        var serverRSSAtStart: [Int?]
        var serverRSS: [Int?]
        /// Deliveries expected after the drain but never seen.
        var missing: Int
    }

    /// Starts the senders already placed on the loops, lets them run through the
    /// warm-up and the measured seconds, prints a progress line a second to stderr,
    /// then waits (up to --drain) for the replies and `fanout` pushes per ack still due.
    func measure(_ timing: TimingOptions, fanout: Int, fixedRate: Bool) async throws -> Measurement {
        let loadStart = monotonicNanos() + 2_000_000
        let window = MeasureWindow(start: loadStart + nanoseconds(timing.warmup),
                                   end: loadStart + nanoseconds(timing.warmup + timing.seconds))
        let loops = self.loops
        _ = try await loops.onEach { index, state in
            state.start(window: window, loadStart: loadStart, tick: fixedRate, on: loops.loops[index])
        }

        try await sleep(until: window.start)
        let cpuStart = CPUSample(serverPIDs: server.serverPIDs)
        let rssAtStart = server.serverPIDs.map { ProcessStats.residentKilobytes(pid: $0) }
        var previous = (time: window.start, counters: try await loops.snapshot(histograms: false).counters)
        var mark = window.start
        while mark < window.end {
            mark = min(mark + 1_000_000_000, window.end)
            try await sleep(until: mark)
            let counters = try await loops.snapshot(histograms: false).counters
            progress(since: previous, now: (mark, counters), from: window.start)
            previous = (mark, counters)
        }
        let cpuEnd = CPUSample(serverPIDs: server.serverPIDs)

        let drainEnd = monotonicNanos() + nanoseconds(timing.drain)
        var counters = previous.counters
        while monotonicNanos() < drainEnd {
            counters = try await loops.snapshot(histograms: false).counters
            if counters.inFlight <= 0 && counters.delivered >= counters.acked * fanout { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        _ = try await loops.onEach { _, state in state.stop() }
        let total = try await loops.snapshot(histograms: true)
        let cpu = cpuStart.percentages(until: cpuEnd)
        return Measurement(total: total, seconds: timing.seconds, benchCPU: cpu.bench, serverCPU: cpu.servers,
                           serverRSSAtStart: rssAtStart,
                           serverRSS: server.serverPIDs.map { ProcessStats.residentKilobytes(pid: $0) },
                           missing: max(0, total.counters.acked * fanout - total.counters.delivered))
    }

    private func progress(since previous: (time: UInt64, counters: Counters), now: (time: UInt64, counters: Counters),
                          from start: UInt64) {
        let seconds = Double(now.time - previous.time) / 1e9
        guard seconds > 0 else { return }
        let acks = Double(now.counters.acked - previous.counters.acked) / seconds
        let deliveries = Double(now.counters.delivered - previous.counters.delivered) / seconds
        let line = String(format: "[%5.1f s] %10.0f acks/s %10.0f pushes/s   in flight %d   errors %d\n",
                          Double(now.time - start) / 1e9, acks, deliveries, now.counters.inFlight, now.counters.errors)
        FileHandle.standardError.write(Data(line.utf8))
    }

    /// The figures every load scenario reports, after its own.
    func addCommon(_ measurement: Measurement, to report: inout Report) {
        let counters = measurement.total.counters
        report.figures.add("errors", counters.errors)
        report.figures.add("rate_limited", counters.rateLimited)
        if counters.rateLimited > 0 {
            report.notes.append(Report.rateLimitNote(counters.rateLimited))
        }
        if measurement.missing > 0 {
            report.lines.append(Report.count("missing pushes", measurement.missing))
        }
        report.figures.add("missing", measurement.missing)
        addUsage(cpu: (measurement.benchCPU, measurement.serverCPU), rss: measurement.serverRSS,
                 rssAtStart: measurement.serverRSSAtStart, to: &report)
        if let first = measurement.total.firstError {
            report.lines.append("  first error: \(first)")
        }
    }
}

extension Bench {
    /// CPU use of the bench and of every `--server-pid`, and their resident
    /// memory (`rss`, at the end; `rssAtStart`, when the measured seconds began).
    func addUsage(cpu: (bench: Double?, servers: [Double?]), rss: [Int?], rssAtStart: [Int?] = [],
                  label: String = "cpu (100% = one core)", to report: inout Report) {
        report.figures.add("bench_cpu_pct", cpu.bench ?? 0)
        var usage = "  " + label + "  bench " + String(format: "%.0f%%", cpu.bench ?? 0)
        for (index, pid) in server.serverPIDs.enumerated() {
            if let percent = cpu.servers[index] {
                report.figures.add("\(serverKey(index))_cpu_pct", percent)
                usage += String(format: ", pid %d %.0f%%", pid, percent)
            }
            let atStart = index < rssAtStart.count ? rssAtStart[index] : nil
            if let atStart {
                report.figures.add("\(serverKey(index))_rss_kb_start", atStart)
            }
            if index < rss.count, let kilobytes = rss[index] {
                report.figures.add("\(serverKey(index))_rss_kb", kilobytes)
                let from = atStart.map { String(format: "%.1f -> ", Double($0) / 1024) } ?? ""
                usage += " (RSS " + from + String(format: "%.1f MiB)", Double(kilobytes) / 1024)
            }
        }
        report.lines.append(usage)
    }
}

func nanoseconds(_ seconds: Double) -> UInt64 {
    UInt64(max(0, seconds) * 1e9)
}

func sleep(until deadline: UInt64) async throws {
    let now = monotonicNanos()
    if deadline > now {
        try await Task.sleep(nanoseconds: deadline - now)
    }
}
