import NIOCore
import Testing

@testable import mpim_bench

@Suite("mpim-bench report and wire helpers")
struct ReportTests {
    @Test("percentiles come from the histogram, in microseconds")
    func percentiles() {
        var histogram = makeLatencyHistogram()
        for value in 1...1000 { histogram.record(UInt64(value)) }
        histogram.record(250_000)
        let summary = LatencySummary(histogram)
        #expect(summary.count == 1001)
        #expect(summary.p50 == 501)
        #expect(summary.p99 == 991)
        #expect(summary.p999 == 1000)
        #expect(summary.max == 250_000)
    }

    @Test("an empty histogram summarises to zeros")
    func emptyHistogram() {
        #expect(LatencySummary(makeLatencyHistogram()) == LatencySummary(count: 0, p50: 0, p99: 0, p999: 0, max: 0))
    }

    @Test("microseconds between readings: truncated, never negative, capped at a minute")
    func microsecondsBetweenReadings() {
        #expect(microseconds(from: 1_000, to: 2_999) == 1)
        #expect(microseconds(from: 5_000, to: 1_000) == 0)
        #expect(microseconds(from: 0, to: 3_600_000_000_000) == 60_000_000)
    }

    @Test("figures print as one key=value line, in order, and parse back")
    func keyValueLine() {
        var figures = Figures()
        figures.add("scenario", "send")
        figures.add("pairs", 4)
        figures.add("sends_per_s", 1234.56)
        figures.add(latency: LatencySummary(count: 3, p50: 10, p99: 20, p999: 30, max: 40), prefix: "send")
        figures.add("first_error", "-ERR no such user")
        figures.add("pairs", 8)  // a key added again replaces the first and moves last
        let line = figures.keyValueLine
        #expect(line == "scenario=send sends_per_s=1234.6 send_p50_us=10 send_p99_us=20 send_p999_us=30 "
            + "send_max_us=40 first_error=-ERR_no_such_user pairs=8")
        let parsed = Figures.parse(keyValueLine: line)
        #expect(parsed["pairs"] == "8")
        #expect(parsed["send_p999_us"] == "30")
        #expect(parsed.count == 8)
    }

    @Test("figures print as one JSON object with the same keys")
    func json() {
        var figures = Figures()
        figures.add("scenario", "group")
        figures.add("deliveries", 99)
        figures.add("rate", 0.0)
        figures.add("first_error", "say \"hi\"\n")
        #expect(figures.json == #"{"scenario":"group","deliveries":99,"rate":0.0,"first_error":"say \"hi\"\n"}"#)
    }

    @Test("the report ends with the key=value line; latencies read in milliseconds")
    func reportText() {
        var report = Report(title: "mpim-bench send: test")
        report.lines.append(Report.latencyHeader)
        report.lines.append(Report.latencyRow("SEND -> +OK", LatencySummary(count: 1, p50: 412, p99: 1_200, p999: 95, max: 51_234)))
        report.figures.add("scenario", "send")
        report.figures.add("deliveries", 7)
        let lines = report.text.split(separator: "\n")
        #expect(lines.first == "mpim-bench send: test")
        #expect(lines.last == "scenario=send deliveries=7")
        #expect(lines[2].hasSuffix("0.41     1.20    0.095    51.23"))
    }

    @Test("a rate-limited reply counts as an error and as rate_limited; other errors only as errors")
    func rateLimitedCount() {
        let state = LoopState()
        state.recordError("-ERR rate limited")
        state.recordError("-ERR no such user")
        state.recordError("-ERR rate limited")
        #expect(state.counters.errors == 3)
        #expect(state.counters.rateLimited == 2)
        var total = Counters()
        total.add(state.counters)
        total.add(state.counters)
        #expect(total.rateLimited == 4)
    }

    @Test("notes print between the lines and the key=value line")
    func notesInText() {
        var report = Report(title: "mpim-bench send: test")
        report.lines.append("  sends")
        report.notes.append(Report.rateLimitNote(88_591))
        report.figures.add("rate_limited", 88_591)
        let lines = report.text.split(separator: "\n")
        #expect(lines.count == 4)
        #expect(lines[2].hasPrefix("  note: 88591 replies were \"-ERR rate limited\""))
        #expect(lines[2].contains("max_lines_per_second"))
        #expect(lines.last == "rate_limited=88591")
    }

    @Test("the send stamp is read back from MSG and GMSG pushes only")
    func stampInPush() {
        func line(_ text: String) -> ByteBuffer { ByteBuffer(string: text) }
        #expect(Wire.stamp(inPush: line("MSG id=3 from=1 ts=1795426029699 text=123456789 xxxx")) == 123_456_789)
        #expect(Wire.stamp(inPush: line("GMSG id=4 group=2 from=1 ts=1 text=42")) == 42)
        #expect(Wire.stamp(inPush: line("MSG id=3 from=1 ts=1 text=hello 123")) == nil)
        #expect(Wire.stamp(inPush: line("PRESENCE uid=2 status=online")) == nil)
        #expect(Wire.stamp(inPush: line("+OK msg_id=3")) == nil)
        #expect(Wire.stamp(inPush: line("MSG id=3 from=1 ts=1 text=7 text=9")) == 7)
    }

    @Test("a command line carries its stamp and pads the text to the payload size")
    func commandTemplate() {
        let allocator = ByteBufferAllocator()
        let send = CommandTemplate.send(to: 42, payload: 20).line(stamp: 1_234_567, allocator: allocator)
        #expect(String(buffer: send) == "SEND 42 1234567 xxxxxxxxxxxx\n")
        #expect(String(buffer: send).dropFirst("SEND 42 ".count).dropLast().count == 20)
        let short = CommandTemplate.sendGroup(7, payload: 3).line(stamp: 98_765, allocator: allocator)
        #expect(String(buffer: short) == "SENDGROUP 7 98765\n")
        #expect(String(buffer: CommandTemplate.ping.line(stamp: 5, allocator: allocator)) == "PING\n")
        var zero = allocator.buffer(capacity: 4)
        Wire.writeDecimal(0, to: &zero)
        Wire.writeDecimal(UInt64.max, to: &zero)
        #expect(String(buffer: zero) == "0\(UInt64.max)")
    }

    @Test("HISTORY lines ask for the latest messages: before 0 (none), then the limit")
    func historyTemplate() {
        let line = CommandTemplate.history(with: 42, limit: 50).line(stamp: 123, allocator: ByteBufferAllocator())
        #expect(String(buffer: line) == "HISTORY 42 0 50\n")
    }

    @Test("--history-of reads prefix:count; readers spread over the users, each reading its next neighbour")
    func historyUsers() throws {
        let users = try #require(HistoryUsers(argument: "fill_:100000"))
        #expect(users == HistoryUsers(prefix: "fill_", count: 100_000))
        #expect(users.pair(reader: 0, of: 4) == ("fill_1", "fill_2"))
        #expect(users.pair(reader: 1, of: 4) == ("fill_25001", "fill_25002"))
        #expect(users.pair(reader: 3, of: 4) == ("fill_75001", "fill_75002"))
        // The last user's neighbour is the first; more readers than users wrap round.
        let two = try #require(HistoryUsers(argument: "a.b-c:2"))
        #expect(two.pair(reader: 1, of: 2) == ("a.b-c2", "a.b-c1"))
        #expect(two.pair(reader: 5, of: 3) == ("a.b-c2", "a.b-c1"))
        for bad in ["fill_", "fill_:1", "fill_:0", ":10", "fill_:x", "fill_:-3", "bad name:10",
                    "a_very_long_user_name_prefix:10"] {
            #expect(HistoryUsers(argument: bad) == nil, "\(bad)")
        }
        #expect(HistoryUsers(argument: "x:y:5") == nil)  // ':' is no username character
    }

    @Test("a HISTORY reply counts once, with the messages before it, apart from the sends")
    func historyReplies() {
        let state = LoopState()
        state.window = MeasureWindow(start: 1_000, end: 10_000_000)
        state.recordHistory(ok: true, messages: 50, sentAt: 2_000, now: 1_502_000, line: ByteBuffer(string: "+OK history_done"))
        state.recordHistory(ok: true, messages: 50, sentAt: 0, now: 500, line: ByteBuffer(string: "+OK history_done"))
        state.recordHistory(ok: false, messages: 0, sentAt: 2_000, now: 3_000, line: ByteBuffer(string: "-ERR no such user"))
        #expect(state.counters.answered == 3)
        #expect(state.counters.histories == 2)
        #expect(state.counters.historiesInWindow == 1)
        #expect(state.counters.historyMessagesInWindow == 50)
        #expect(state.counters.errors == 1)
        #expect(state.counters.acked == 0 && state.counters.ackedInWindow == 0)
        let snapshot = state.snapshot(histograms: true)
        #expect(LatencySummary(snapshot.historyLatency).p50 == 1_500)
        #expect(LatencySummary(snapshot.replyLatency).count == 0)
        var total = LoopSnapshot()
        total.add(snapshot)
        total.add(snapshot)
        #expect(total.counters.historiesInWindow == 2 && total.counters.historyMessagesInWindow == 100)
        #expect(total.historyLatency.totalCount == 2)
    }

    @Test("reply fields: uid and group_id from +OK lines only")
    func replyFields() {
        #expect(Wire.okInt("uid", in: "+OK uid=17") == 17)
        #expect(Wire.okInt("uid", in: "+OK uid=17 device=cli") == 17)
        #expect(Wire.okInt("group_id", in: "+OK group_id=5") == 5)
        #expect(Wire.okInt("uid", in: "-ERR user exists") == nil)
        #expect(Wire.okInt("uid", in: "-ERR auth failed uid=3") == nil)
    }

    @Test("server lines: replies, pushes and greetings are told apart")
    func lineKinds() {
        #expect(LineKind(ByteBuffer(string: "+OK msg_id=1")) == .reply)
        #expect(LineKind(ByteBuffer(string: "-ERR rate limited")) == .reply)
        #expect(LineKind(ByteBuffer(string: "+PONG")) == .reply)
        #expect(LineKind(ByteBuffer(string: "+OK welcome to mpim gateway-001")) == .greeting)
        #expect(LineKind(ByteBuffer(string: "MSG id=1 from=2 ts=3 text=x")) == .push)
        #expect(LineKind(ByteBuffer(string: "KICKED reason=duplicate login")) == .push)
    }

    @Test("/proc figures: VmRSS and utime+stime, even with a parenthesis in the command name")
    func procParsing() {
        let status = "Name:\tmpimd\nVmPeak:\t  900000 kB\nVmRSS:\t   45120 kB\nThreads:\t9\n"
        #expect(ProcessStats.residentKilobytes(status: status) == 45120)
        let stat = "1234 (mpi md)) S 1 1234 1234 0 -1 4194560 500 0 0 0 250 50 0 0 20 0 9 0 100 0 0"
        #expect(ProcessStats.cpuSeconds(stat: stat, ticksPerSecond: 100) == 3.0)
    }
}
