import TestSupport
import Testing

/// Texts a client may send: every control character but the newline (NUL
/// alone, mid-text and last; `\r` only mid-text, as the transport strips one
/// before the newline), DEL, and multi-byte UTF-8, a combining mark first.
private let texts: [String] = [
    "\0",
    "nul \0 char",
    "c" + String(decoding: (0x00...0x1F).filter { $0 != 0x0A } + [0x7F], as: UTF8.self) + "\0",
    "\u{301}e\u{301} 世界 \u{1F44D}\u{1F3FD} \u{200D}\0\u{FEFF}",
]

/// What a line carries: its id and its text's bytes.
private struct Carried: Equatable, CustomStringConvertible {
    var id: Int?
    var text: [UInt8]?

    init(_ line: String) {
        id = intField(line, "id")
        // Compared as bytes: String's == is canonical equivalence.
        text = field(line, "text").map { Array($0.utf8) }
    }

    init(id: Int, text: String) {
        self.id = id
        self.text = Array(text.utf8)
    }

    var description: String {
        "id=\(id.map(String.init) ?? "?") text=\(text.map { String(decoding: $0, as: UTF8.self).debugDescription } ?? "none")"
    }
}

@Suite("Text is kept byte for byte")
struct ExactTextTests {
    @Test("control characters, NUL and multi-byte UTF-8 come back exactly in pushes (same and other gateway), PULL, SYNC, HISTORY and GHISTORY")
    func everyPath() async throws {
        try await withCluster(gateways: 2) { cluster in
            let (a, _, ua) = try await cluster.registeredClient(0, prefix: "sender")
            let (b, nameB, ub) = try await cluster.registeredClient(0, prefix: "online")
            let bThere = try await cluster.client(1)
            try await bThere.login(nameB, device: "there")
            let (d, nameD, ud) = try await cluster.registeredClient(1, prefix: "offline")
            let group = try await a.createGroup("exact")
            try await b.joinGroup(group)
            try await d.joinGroup(group)
            try await d.expectReply("LOGOUT", "+OK logout success")

            var toB: [Carried] = []
            var toD: [Carried] = []
            var toGroup: [Carried] = []
            for text in texts {
                let sent = Carried(id: try await a.sendMessage(to: ub, text), text: text)
                toB.append(sent)
                #expect(Carried(try await b.push()) == sent, "pushed on the same gateway")
                #expect(Carried(try await bThere.push()) == sent, "pushed through Redis to the other gateway")

                toD.append(Carried(id: try await a.sendMessage(to: ud, text), text: text))

                let grouped = Carried(id: try await a.sendGroup(group, text), text: text)
                toGroup.append(grouped)
                #expect(Carried(try await b.groupPush()) == grouped, "GMSG pushed on the same gateway")
                #expect(Carried(try await bThere.groupPush()) == grouped, "GMSG pushed to the other gateway")
            }
            let byID = { (lines: [Carried]) in lines.sorted { $0.id! < $1.id! } }

            let d2 = try await cluster.client(1)
            try await d2.login(nameD)
            #expect(try await d2.pull().map(Carried.init) == byID(toD + toGroup), "PULL")

            let (synced, syncDone) = try await b.multi("SYNC 0")
            #expect(syncDone.hasPrefix("+OK sync_done"))
            #expect(synced.map(Carried.init) == byID(toB + toGroup), "SYNC")

            let (history, historyDone) = try await b.multi("HISTORY \(ua)")
            #expect(historyDone == "+OK history_done")
            #expect(history.map(Carried.init) == toB, "HISTORY")

            let (groupHistory, groupHistoryDone) = try await a.multi("GHISTORY \(group)")
            #expect(groupHistoryDone == "+OK history_done")
            #expect(groupHistory.map(Carried.init) == toGroup, "GHISTORY")
        }
    }
}
