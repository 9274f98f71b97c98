import ArgumentParser
import Foundation
import NIOCore

/// `mpim-bench <scenario> [options]`: a load generator that speaks only the
/// public MPIM line protocol.
@main
struct MPIMBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mpim-bench",
        abstract: "Load generator for mpim gateways (the public line protocol only).",
        discussion: """
            Each scenario registers its own users (a fresh name prefix per run), drives the
            gateways from a few SwiftNIO event loops, and prints a report whose last line is
            `key=value` figures for scripts (or, with --json, one JSON object).
            """,
        subcommands: [SendScenario.self, GroupScenario.self, ConnectScenario.self, LoginScenario.self])
}

/// Where the gateways are and how to report.
struct ServerOptions: ParsableArguments {
    @Option(help: "Gateway address.")
    var host = "127.0.0.1"

    @Option(name: .customLong("port"),
            help: "Gateway port. Repeat it to spread connections over gateways: a sender on the first, its receiver on the second, and so on round.")
    var ports: [Int] = [8000]

    @Flag(name: .customLong("ws"),
          help: "Connect over WebSocket: the ports are web listeners (`--web-port`) and each connection is a socket at /ws, a line per text frame.")
    var webSocket = false

    @Option(name: .customLong("server-pid"),
            help: "pid of the mpimd under test: its CPU use and resident memory (/proc/<pid>/status) go into the report. Repeat it for more processes (a second gateway, redis-server): figures server2_…, server3_….")
    var serverPIDs: [Int32] = []

    @Option(help: "Prefix of the usernames the bench registers (default: unique per run).")
    var usersPrefix: String?

    @Flag(help: "Print the report as one JSON object.")
    var json = false

    @Option(help: .hidden)
    var password = "benchpass"

    @Option(help: ArgumentHelp("Event-loop threads of the bench (default: one per core).", visibility: .hidden))
    var threads = System.coreCount

    @Option(help: ArgumentHelp("Connections being set up at once.", visibility: .hidden))
    var setupConcurrency = 64

    mutating func validate() throws {
        guard !ports.isEmpty, ports.allSatisfy({ (1...65535).contains($0) }) else {
            throw ValidationError("--port must be 1-65535")
        }
        if let usersPrefix {
            guard !usersPrefix.isEmpty, usersPrefix.count <= 20,
                  usersPrefix.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "_.-".contains($0)) })
            else { throw ValidationError("--users-prefix: 1-20 of A-Z a-z 0-9 _ . -") }
        }
        guard threads >= 1, setupConcurrency >= 1 else { throw ValidationError("--threads and --setup-concurrency must be positive") }
    }

    /// The given prefix, or one no earlier run used: `b<seconds, base 36><pid, base 36>_`.
    var effectivePrefix: String {
        usersPrefix ?? "b\(String(Int(Date().timeIntervalSince1970) % 60_466_176, radix: 36))\(String(getpid() % 46_656, radix: 36))_"
    }

    func print(_ report: Report) {
        guard json else {
            Swift.print(report.text)
            return
        }
        for note in report.notes {
            FileHandle.standardError.write(Data((note.drop { $0 == " " } + "\n").utf8))
        }
        Swift.print(report.figures.json)
    }
}

/// How long the load runs.
struct TimingOptions: ParsableArguments {
    @Option(help: "Seconds measured (after the warm-up).")
    var seconds: Double = 10

    @Option(help: "Seconds of load before measuring starts.")
    var warmup: Double = 1

    @Option(help: ArgumentHelp("Seconds to wait after the run for replies and pushes still under way.", visibility: .hidden))
    var drain: Double = 5

    func validate() throws {
        guard seconds > 0, warmup >= 0, drain >= 0 else { throw ValidationError("--seconds must be positive, --warmup and --drain not negative") }
    }
}

/// How hard each sender pushes.
struct LoadOptions: ParsableArguments {
    @Option(help: "Commands in flight per sender.")
    var window = 16

    @Option(help: "Bytes of message text (it starts with the send timestamp).")
    var payload = 64

    @Option(help: "Offered messages per second over all senders, for a fixed-rate latency run; 0 sends as fast as the window allows.")
    var rate: Double = 0

    func validate() throws {
        guard window >= 1 else { throw ValidationError("--window must be at least 1") }
        guard (1...60_000).contains(payload) else { throw ValidationError("--payload must be 1-60000") }
        guard rate >= 0 else { throw ValidationError("--rate must not be negative") }
    }

    /// Nanoseconds between two messages of one of `senders` senders at `--rate`; 0 without a rate.
    func interval(senders: Int) -> UInt64 {
        rate > 0 ? max(1, UInt64(1e9 * Double(senders) / rate)) : 0
    }
}

/// Connections that read HISTORY while a `send` load runs: HISTORY's latency under that load.
struct HistoryOptions: ParsableArguments {
    @Option(name: .customLong("history"), help: "Connections reading HISTORY during the load, besides the pairs, on an event loop of the bench's own (0: none).")
    var readers = 0

    @Option(help: "HISTORY commands per second over all readers; 0 keeps one in flight per reader (closed loop).")
    var historyRate: Double = 0

    @Option(help: "Messages each HISTORY asks for (1-500).")
    var historyLimit = 50

    @Option(help: ArgumentHelp(
        "Read the conversations of existing users <prefix>1 … <prefix><count> instead: <prefix>k logs in (the bench's password) and reads its conversation with <prefix>k+1, the last with the first, as scripts/bench-fill.sh stores them. Default: each reader registers a user and a peer and sends it --history-limit messages first.",
        valueName: "prefix:count"))
    var historyOf: HistoryUsers?

    func validate() throws {
        guard readers >= 0, historyRate >= 0 else { throw ValidationError("--history and --history-rate must not be negative") }
        guard (1...500).contains(historyLimit) else { throw ValidationError("--history-limit must be 1-500") }
        guard historyOf == nil || readers > 0 else { throw ValidationError("--history-of needs --history <readers>") }
    }

    /// Nanoseconds between two HISTORY commands of one reader at `--history-rate`; 0 without a rate.
    var interval: UInt64 {
        historyRate > 0 ? max(1, UInt64(1e9 * Double(readers) / historyRate)) : 0
    }
}

/// `<prefix>:<count>`: the existing users `<prefix>1` … `<prefix><count>`,
/// each of whom talked with the next one (and the last with the first).
struct HistoryUsers: ExpressibleByArgument, Sendable, Equatable {
    var prefix: String
    var count: Int

    init(prefix: String, count: Int) {
        self.prefix = prefix
        self.count = count
    }

    /// `fill_:100000`; nil unless the prefix is 1-24 username characters and the count 2 or more.
    init?(argument: String) {
        guard let colon = argument.lastIndex(of: ":"), let count = Int(argument[argument.index(after: colon)...]),
              count >= 2
        else { return nil }
        let prefix = String(argument[..<colon])
        guard (1...24).contains(prefix.count),
              prefix.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "_.-".contains($0)) })
        else { return nil }
        self.init(prefix: prefix, count: count)
    }

    /// The user reader `reader` of `readers` logs in as, and the peer whose
    /// conversation it reads: readers spread evenly over the users.
    func pair(reader: Int, of readers: Int) -> (user: String, peer: String) {
        let user = 1 + (reader * count / max(1, readers)) % count
        return ("\(prefix)\(user)", "\(prefix)\(user % count + 1)")
    }
}

struct SendScenario: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "send",
        abstract: "1:1 messages: pairs of sender and receiver connections, SEND → +OK and SEND → MSG push.")

    @OptionGroup var server: ServerOptions
    @OptionGroup var timing: TimingOptions
    @OptionGroup var load: LoadOptions
    @OptionGroup(title: "HISTORY under the load") var history: HistoryOptions

    @Option(help: "Sender/receiver pairs (two connections each).")
    var pairs = 64

    @Flag(help: ArgumentHelp("Send PING on --pairs connections and count +PONG / +OK pong: the bench's own ceiling against any line server (redis-server too).", visibility: .hidden))
    var pingOnly = false

    func validate() throws {
        guard pairs >= 1 else { throw ValidationError("--pairs must be at least 1") }
        guard !pingOnly || history.readers == 0 else { throw ValidationError("--ping-only runs no HISTORY readers") }
    }

    func run() async throws {
        let bench = try await Bench(server: server, readerLoop: history.readers > 0)
        try await bench.run {
            try await $0.send(pairs: pairs, pingOnly: pingOnly, timing: timing, load: load, history: history)
        }
    }
}

struct GroupScenario: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "group",
        abstract: "Group messages: one sender per group of online members, SENDGROUP → +OK and → GMSG push.")

    @OptionGroup var server: ServerOptions
    @OptionGroup var timing: TimingOptions
    @OptionGroup var load: LoadOptions

    @Option(help: "Groups, each with its own sender.")
    var groups = 1

    @Option(help: "Online members per group, the sender included.")
    var members = 100

    func validate() throws {
        guard groups >= 1, members >= 2 else { throw ValidationError("--groups must be at least 1 and --members at least 2") }
    }

    func run() async throws {
        let bench = try await Bench(server: server)
        try await bench.run { try await $0.group(groups: groups, members: members, timing: timing, load: load) }
    }
}

struct ConnectScenario: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "connect",
        abstract: "Idle logged-in connections: connect and login rate, and server memory per connection (with --server-pid).")

    @OptionGroup var server: ServerOptions

    @Option(help: "Connections to open and log in.")
    var connections = 1000

    @Option(help: "Seconds to hold them open, idle, before reading the server's memory.")
    var seconds: Double = 3

    func validate() throws {
        guard connections >= 1, seconds >= 0 else { throw ValidationError("--connections must be positive, --seconds not negative") }
    }

    func run() async throws {
        let bench = try await Bench(server: server)
        try await bench.run { try await $0.connect(count: connections, hold: seconds) }
    }
}

struct LoginScenario: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "login",
        abstract: "Login rate: users registered once, then LOGIN/LOGOUT cycles on every connection (LOGIN → +OK measured).")

    @OptionGroup var server: ServerOptions
    @OptionGroup var timing: TimingOptions

    @Option(help: "Connections, each cycling through its own user.")
    var connections = 16

    func validate() throws {
        guard connections >= 1 else { throw ValidationError("--connections must be at least 1") }
    }

    func run() async throws {
        let bench = try await Bench(server: server)
        try await bench.run { try await $0.login(connections: connections, timing: timing) }
    }
}
