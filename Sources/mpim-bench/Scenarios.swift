import Foundation
import NIOCore

extension Bench {
    // MARK: send

    func send(pairs: Int, pingOnly: Bool, timing: TimingOptions, load: LoadOptions, history: HistoryOptions)
        async throws -> Report
    {
        if pingOnly { return try await ping(connections: pairs, timing: timing, load: load) }

        struct Pair: Sendable {
            var sender: Connection
            var receiver: Connection
            var receiverUID: Int
        }
        let prefix = self.prefix
        let pairList = try await setUp(pairs) { i in
            // Sender on the port list's even places, receiver on the odd ones: with two
            // ports every message crosses from the first gateway to the second.
            let receiver = try await open(i, port: port(2 * i + 1))
            let uid = try await signIn(receiver, as: "\(prefix)r\(i)")
            let sender = try await open(i, port: port(2 * i))
            _ = try await signIn(sender, as: "\(prefix)s\(i)")
            return Pair(sender: sender, receiver: receiver, receiverUID: uid)
        }
        let readers = try await historyReaders(history, placedAfter: pairs)
        let interval = load.interval(senders: pairs)
        let loops = self.loops
        _ = try await loops.onEach { index, state in
            // open(i, …) put both connections of pair i on the same loop.
            for pair in pairList where pair.sender.eventLoop === loops.loops[index] {
                state.receive(on: pair.receiver.handler.value)
                state.senders.append(CommandSender(
                    connection: pair.sender.handler.value, state: state,
                    template: .send(to: pair.receiverUID, payload: load.payload), window: load.window, interval: interval))
            }
            for reader in readers where reader.connection.eventLoop === loops.loops[index] {
                state.senders.append(CommandSender(
                    connection: reader.connection.handler.value, state: state,
                    template: .history(with: reader.peer, limit: history.historyLimit), window: 1,
                    interval: history.interval, role: .history))
            }
        }
        let measurement = try await measure(timing, fanout: 1, fixedRate: load.rate > 0 || history.historyRate > 0)
        await closeAll(pairList.flatMap { [$0.sender, $0.receiver] } + readers.map(\.connection))

        var report = Report(title: "mpim-bench send: \(pairs) pairs, window \(load.window)"
            + rateText(load) + ", \(load.payload)-byte texts, \(format(timing.seconds)) s after \(format(timing.warmup)) s warm-up, ports \(portList)")
        report.figures.add("scenario", "send")
        report.figures.add("pairs", pairs)
        addLoad(load, timing, to: &report)
        addMessages(measurement, replyLabel: "SEND -> +OK", pushLabel: "SEND -> MSG push", to: &report)
        if history.readers > 0 {
            addHistory(measurement, history, to: &report)
        }
        addCommon(measurement, to: &report)
        return report
    }

    /// A connection that reads HISTORY during the load, and the uid of the peer it reads.
    struct HistoryReader: Sendable {
        var connection: Connection
        var peer: Int
    }

    /// Logs in `--history` readers, each with a conversation to read: with
    /// `--history-of`, existing users and their neighbours; otherwise a new user
    /// each, who first sends `--history-limit` messages to a new peer (offline,
    /// so no push reaches the load's connections). The readers share a loop of
    /// their own when the bench made one; otherwise reader `i` is connection
    /// `first + i` for the event loops.
    private func historyReaders(_ options: HistoryOptions, placedAfter first: Int) async throws -> [HistoryReader] {
        let prefix = self.prefix
        let password = server.password
        return try await setUp(options.readers) { i in
            let connection = try await open(first + i, port: port(i), reader: true)
            if let users = options.historyOf {
                let (user, peer) = users.pair(reader: i, of: options.readers)
                let login = try await connection.request("LOGIN \(user) \(password) history")
                guard login.hasPrefix("+OK") else { throw BenchError("LOGIN \(user): \(login)") }
                let reply = try await connection.request("USER \(peer)")
                guard let uid = Wire.okInt("uid", in: reply) else { throw BenchError("USER \(peer): \(reply)") }
                return HistoryReader(connection: connection, peer: uid)
            }
            let peer = try await signIn(connection, as: "\(prefix)hp\(i)")
            let logout = try await connection.request("LOGOUT")
            guard logout.hasPrefix("+OK") else { throw BenchError("LOGOUT: \(logout)") }
            _ = try await signIn(connection, as: "\(prefix)h\(i)")
            for n in 0..<options.historyLimit {
                let reply = try await connection.request("SEND \(peer) history \(n) of reader \(i)")
                guard reply.hasPrefix("+OK") else { throw BenchError("SEND \(peer): \(reply)") }
            }
            return HistoryReader(connection: connection, peer: peer)
        }
    }

    /// The bench's own ceiling: PINGs on `connections` connections to any line server.
    private func ping(connections: Int, timing: TimingOptions, load: LoadOptions) async throws -> Report {
        let list = try await setUp(connections) { i in try await open(i, port: port(i), greeting: .ignored) }
        let interval = load.interval(senders: connections)
        let loops = self.loops
        _ = try await loops.onEach { index, state in
            for connection in list where connection.eventLoop === loops.loops[index] {
                state.senders.append(CommandSender(connection: connection.handler.value, state: state, template: .ping,
                                                   window: load.window, interval: interval))
            }
        }
        let measurement = try await measure(timing, fanout: 0, fixedRate: load.rate > 0)
        await closeAll(list)

        var report = Report(title: "mpim-bench send --ping-only: \(connections) connections, window \(load.window)"
            + rateText(load) + ", \(format(timing.seconds)) s after \(format(timing.warmup)) s warm-up, ports \(portList)")
        report.figures.add("scenario", "ping")
        report.figures.add("connections", connections)
        report.figures.add("window", load.window)
        report.figures.add("rate", load.rate)
        report.figures.add("seconds", timing.seconds)
        addReplies(measurement, counted: "PINGs answered", key: "pings", latencyLabel: "PING -> reply", prefix: "ping",
                   to: &report)
        addCommon(measurement, to: &report)
        return report
    }

    // MARK: group

    func group(groups: Int, members: Int, timing: TimingOptions, load: LoadOptions) async throws -> Report {
        let prefix = self.prefix
        // Connection g*members + j is member j of group g; member 0 creates the group and sends.
        struct Sender: Sendable {
            var connection: Connection
            var gid: Int
        }
        let senders = try await setUp(groups) { g in
            let index = g * members
            let connection = try await open(index, port: port(g))
            _ = try await signIn(connection, as: "\(prefix)g\(g)m0")
            let reply = try await connection.request("CREATEGROUP \(prefix)g\(g) mpim-bench")
            guard let gid = Wire.okInt("group_id", in: reply) else { throw BenchError("CREATEGROUP: \(reply)") }
            return Sender(connection: connection, gid: gid)
        }
        let receivers = try await setUp(groups * (members - 1)) { k in
            let (g, j) = (k / (members - 1), k % (members - 1) + 1)
            let connection = try await open(g * members + j, port: port(g + j))
            _ = try await signIn(connection, as: "\(prefix)g\(g)m\(j)")
            let reply = try await connection.request("JOINGROUP \(senders[g].gid)")
            guard reply.hasPrefix("+OK") else { throw BenchError("JOINGROUP \(senders[g].gid): \(reply)") }
            return connection
        }
        let interval = load.interval(senders: groups)
        let loops = self.loops
        _ = try await loops.onEach { index, state in
            for receiver in receivers where receiver.eventLoop === loops.loops[index] {
                state.receive(on: receiver.handler.value)
            }
            for sender in senders where sender.connection.eventLoop === loops.loops[index] {
                state.senders.append(CommandSender(
                    connection: sender.connection.handler.value, state: state,
                    template: .sendGroup(sender.gid, payload: load.payload), window: load.window, interval: interval))
            }
        }
        let measurement = try await measure(timing, fanout: members - 1, fixedRate: load.rate > 0)
        await closeAll(senders.map(\.connection) + receivers)

        var report = Report(title: "mpim-bench group: \(groups) group\(groups == 1 ? "" : "s") of \(members) online members, window \(load.window)"
            + rateText(load) + ", \(load.payload)-byte texts, \(format(timing.seconds)) s after \(format(timing.warmup)) s warm-up, ports \(portList)")
        report.figures.add("scenario", "group")
        report.figures.add("groups", groups)
        report.figures.add("members", members)
        addLoad(load, timing, to: &report)
        addMessages(measurement, replyLabel: "SENDGROUP -> +OK", pushLabel: "SENDGROUP -> GMSG push", to: &report)
        addCommon(measurement, to: &report)
        return report
    }

    // MARK: connect

    func connect(count: Int, hold: Double) async throws -> Report {
        let prefix = self.prefix
        let rssBefore = server.serverPIDs.first.flatMap { ProcessStats.residentKilobytes(pid: $0) }
        let cpuStart = CPUSample(serverPIDs: server.serverPIDs)

        struct Opened: Sendable {
            var connection: Connection?
            var connectMicros: UInt64 = 0
            var loginMicros: UInt64 = 0
            var error: String?
        }
        let start = monotonicNanos()
        let opened = try await setUp(count, limit: max(server.setupConcurrency, 256)) { i -> Opened in
            let begin = monotonicNanos()
            var connection: Connection?
            do {
                let open = try await open(i, port: port(i))
                connection = open
                let connected = monotonicNanos()
                _ = try await signIn(open, as: "\(prefix)c\(i)")
                return Opened(connection: open, connectMicros: microseconds(from: begin, to: connected),
                              loginMicros: microseconds(from: connected, to: monotonicNanos()))
            } catch {
                connection?.close()
                return Opened(error: "\(error)")
            }
        }
        let elapsed = Double(monotonicNanos() - start) / 1e9
        let cpuEnd = CPUSample(serverPIDs: server.serverPIDs)
        let connections = opened.compactMap(\.connection)
        var connectLatency = makeLatencyHistogram()
        var loginLatency = makeLatencyHistogram()
        for entry in opened where entry.connection != nil {
            connectLatency.record(entry.connectMicros)
            loginLatency.record(entry.loginMicros)
        }

        try await Task.sleep(for: .seconds(hold))
        let stillOpen = connections.filter { $0.channel.isActive }.count
        let rssAfter = server.serverPIDs.first.flatMap { ProcessStats.residentKilobytes(pid: $0) }
        await closeAll(connections)

        var report = Report(title: "mpim-bench connect: \(count) connections (\(server.webSocket ? "WebSocket" : "TCP"), greeting, REGISTER), held \(format(hold)) s, ports \(portList)")
        let rate = Double(connections.count) / max(elapsed, 1e-9)
        report.lines.append(Report.count("logged in", connections.count, perSecond: rate))
        report.lines.append(Report.count("still open after hold", stillOpen))
        report.lines.append(Report.count("errors", opened.count - connections.count))
        report.lines.append(Report.latencyHeader)
        let connect = LatencySummary(connectLatency)
        let login = LatencySummary(loginLatency)
        report.lines.append(Report.latencyRow("connect -> greeting", connect))
        report.lines.append(Report.latencyRow("REGISTER -> +OK", login))
        report.figures.add("scenario", "connect")
        report.figures.add("connections", count)
        report.figures.add("established", connections.count)
        report.figures.add("open_after_hold", stillOpen)
        report.figures.add("setup_seconds", elapsed)
        report.figures.add("connects_per_s", rate)
        report.figures.add(latency: connect, prefix: "connect")
        report.figures.add(latency: login, prefix: "register")
        report.figures.add("errors", opened.count - connections.count)
        addUsage(cpu: cpuStart.percentages(until: cpuEnd), rss: [], label: "cpu while connecting", to: &report)
        if let rssBefore, let rssAfter {
            let perConnection = Double(rssAfter - rssBefore) * 1024 / Double(max(1, stillOpen))
            report.lines.append(String(format: "  server RSS %.1f MiB before, %.1f MiB with them open: %.1f KiB per connection",
                                       Double(rssBefore) / 1024, Double(rssAfter) / 1024, perConnection / 1024))
            report.figures.add("server_rss_kb_before", rssBefore)
            report.figures.add("server_rss_kb", rssAfter)
            report.figures.add("rss_per_conn_bytes", Int(perConnection.rounded()))
        }
        if let first = opened.first(where: { $0.error != nil })?.error {
            report.lines.append("  first error: \(first)")
        }
        return report
    }

    // MARK: login

    func login(connections: Int, timing: TimingOptions) async throws -> Report {
        let prefix = self.prefix
        let password = server.password
        let list = try await setUp(connections) { i in
            let connection = try await open(i, port: port(i))
            _ = try await signIn(connection, as: "\(prefix)l\(i)")
            let reply = try await connection.request("LOGOUT")
            guard reply.hasPrefix("+OK") else { throw BenchError("LOGOUT: \(reply)") }
            return connection
        }
        let loops = self.loops
        _ = try await loops.onEach { index, state in
            for (i, connection) in list.enumerated() where connection.eventLoop === loops.loops[index] {
                state.senders.append(LoginCycler(connection: connection.handler.value, state: state,
                                                 username: "\(prefix)l\(i)", password: password))
            }
        }
        let measurement = try await measure(timing, fanout: 0, fixedRate: false)
        await closeAll(list)

        var report = Report(title: "mpim-bench login: \(connections) connections cycling LOGIN/LOGOUT, \(format(timing.seconds)) s after \(format(timing.warmup)) s warm-up, ports \(portList)")
        report.figures.add("scenario", "login")
        report.figures.add("connections", connections)
        report.figures.add("seconds", timing.seconds)
        addReplies(measurement, counted: "logins", key: "logins", latencyLabel: "LOGIN -> +OK", prefix: "login",
                   to: &report)
        addCommon(measurement, to: &report)
        return report
    }

    // MARK: Report pieces

    private var portList: String { server.ports.map(String.init).joined(separator: ",") }

    private func rateText(_ load: LoadOptions) -> String {
        load.rate > 0 ? String(format: ", offered %.0f msg/s", load.rate) : ""
    }

    private func format(_ seconds: Double) -> String {
        seconds == seconds.rounded() ? String(Int(seconds)) : String(seconds)
    }

    private func addLoad(_ load: LoadOptions, _ timing: TimingOptions, to report: inout Report) {
        report.figures.add("window", load.window)
        report.figures.add("payload", load.payload)
        report.figures.add("rate", load.rate)
        report.figures.add("seconds", timing.seconds)
        report.figures.add("ports", portList)
    }

    /// Replies in the window (`<key>`, `<key>_per_s`), errors, and the reply latency.
    private func addReplies(_ measurement: Measurement, counted: String, key: String, latencyLabel: String,
                            prefix: String, to report: inout Report) {
        let counters = measurement.total.counters
        let perSecond = Double(counters.ackedInWindow) / measurement.seconds
        report.lines.append(Report.count(counted, counters.ackedInWindow, perSecond: perSecond))
        report.lines.append(Report.count("errors", counters.errors))
        report.figures.add(key, counters.ackedInWindow)
        report.figures.add("\(key)_per_s", perSecond)
        let latency = LatencySummary(measurement.total.replyLatency)
        report.lines.append(Report.latencyHeader)
        report.lines.append(Report.latencyRow(latencyLabel, latency))
        report.figures.add(latency: latency, prefix: prefix)
    }

    /// HISTORY replies in the window, the messages they returned, and their latency.
    private func addHistory(_ measurement: Measurement, _ options: HistoryOptions, to report: inout Report) {
        let counters = measurement.total.counters
        let perSecond = Double(counters.historiesInWindow) / measurement.seconds
        let perReply = Double(counters.historyMessagesInWindow) / Double(max(1, counters.historiesInWindow))
        report.lines.append(Report.count("HISTORY replies", counters.historiesInWindow, perSecond: perSecond)
            + String(format: ", %.1f messages each", perReply))
        let latency = LatencySummary(measurement.total.historyLatency)
        report.lines.append(Report.latencyRow("HISTORY -> +OK", latency))
        if counters.historiesInWindow > 0 && counters.historyMessagesInWindow == 0 {
            report.notes.append("  note: the HISTORY replies returned no messages: the readers' conversations are empty")
        }
        report.figures.add("history_readers", options.readers)
        report.figures.add("history_rate", options.historyRate)
        report.figures.add("history_limit", options.historyLimit)
        report.figures.add("histories", counters.historiesInWindow)
        report.figures.add("histories_per_s", perSecond)
        report.figures.add("history_messages_per_reply", perReply)
        report.figures.add(latency: latency, prefix: "history")
    }

    /// Sends and deliveries in the window, with both latencies.
    private func addMessages(_ measurement: Measurement, replyLabel: String, pushLabel: String, to report: inout Report) {
        let counters = measurement.total.counters
        let seconds = measurement.seconds
        let sendsPerSecond = Double(counters.ackedInWindow) / seconds
        let deliveriesPerSecond = Double(counters.deliveredInWindow) / seconds
        report.lines.append(Report.count("sends acknowledged", counters.ackedInWindow, perSecond: sendsPerSecond))
        report.lines.append(Report.count("deliveries", counters.deliveredInWindow, perSecond: deliveriesPerSecond))
        report.lines.append(Report.count("errors", counters.errors))
        report.figures.add("sends", counters.ackedInWindow)
        report.figures.add("sends_per_s", sendsPerSecond)
        report.figures.add("deliveries", counters.deliveredInWindow)
        report.figures.add("deliveries_per_s", deliveriesPerSecond)
        let reply = LatencySummary(measurement.total.replyLatency)
        let push = LatencySummary(measurement.total.deliveryLatency)
        report.lines.append(Report.latencyHeader)
        report.lines.append(Report.latencyRow(replyLabel, reply))
        report.lines.append(Report.latencyRow(pushLabel, push))
        report.figures.add(latency: reply, prefix: "send")
        report.figures.add(latency: push, prefix: "deliver")
        let lag = LatencySummary(measurement.total.sendLag)
        if lag.count > 0 {
            report.lines.append(Report.latencyRow("bench lateness", lag))
            report.figures.add(latency: lag, prefix: "lag")
        }
    }
}
