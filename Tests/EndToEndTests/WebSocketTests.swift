import NIOWebSocket
import TestSupport
import Testing

@Suite("Browsers over WebSocket")
struct WebSocketTests {
    @Test("a WebSocket session and a TCP session chat both ways, a line per text frame, text byte for byte")
    func chatWithTCP() async throws {
        try await withCluster { cluster in
            let browser = try await cluster.webClient()
            #expect(browser.greeting == "+OK welcome to mpim gateway-1")
            let (_, uw) = try await browser.register(uniqueName("w"))
            let (nc, _, un) = try await cluster.registeredClient(prefix: "n")

            let toNC = try await browser.sendMessage(to: un, "hello  from the browser \u{1F600}")
            let received = try await nc.push()
            #expect(received.hasPrefix("MSG id=\(toNC) from=\(uw) ts="), "\(received)")
            #expect(field(received, "text") == "hello  from the browser \u{1F600}")

            let toBrowser = try await nc.sendMessage(to: uw, " and back\tagain")
            let pushed = try await browser.push()
            #expect(pushed.hasPrefix("MSG id=\(toBrowser) from=\(un) ts="), "\(pushed)")
            #expect(field(pushed, "text") == " and back\tagain")
            // A message far longer than one small frame, up to the line limit.
            let long = String(repeating: "0123456789", count: 6000)
            let longID = try await browser.sendMessage(to: un, long)
            let longPush = try await nc.push()
            #expect(longPush.hasPrefix("MSG id=\(longID) ") && field(longPush, "text") == long)
            let (history, done) = try await browser.multi("HISTORY \(un)")
            #expect(history.map { intField($0, "id") } == [toNC, toBrowser, longID], "\(history)")
            #expect(done == "+OK history_done")
        }
    }

    @Test("a WebSocket session is a full citizen across gateways: presence, other devices, SYNC, a duplicate-login kick")
    func fullCitizen() async throws {
        try await withCluster(gateways: 2) { cluster in
            let (friend, _, uf) = try await cluster.registeredClient(1, prefix: "f")
            let browser = try await cluster.webClient(0)
            let (name, uw) = try await browser.register(uniqueName("w"))
            try await friend.befriend(uw)
            try await friend.expectReply("WHO \(uw)", "+OK \(uw)=online")
            try await browser.expectReply("STATUS busy", "+OK status=busy")
            try await friend.expectPresence(uw, "busy")

            // The same user on TCP at the other gateway: each device sees both sides.
            let laptop = try await cluster.client(1)
            try await laptop.login(name, device: "laptop")
            let id = try await browser.sendMessage(to: uf, "from the page")
            #expect(try await friend.push().hasPrefix("MSG id=\(id) from=\(uw) "))
            #expect(try await laptop.push().hasPrefix("SENT id=\(id) to=\(uf) "))
            let reply = try await friend.sendMessage(to: uw, "to every device")
            #expect(try await browser.push().hasPrefix("MSG id=\(reply) from=\(uf) "))
            #expect(try await laptop.push().hasPrefix("MSG id=\(reply) from=\(uf) "))
            let (sync, done) = try await browser.multi("SYNC 0")
            #expect(sync.map { intField($0, "id") } == [reply], "\(sync)")
            #expect(done == "+OK sync_done last=\(reply)")

            // The browser's device (cli, as REGISTER logs in) signs in again elsewhere: it is kicked and closed.
            let other = try await cluster.webClient(1)
            #expect(try await other.login(name) == uw)
            try await browser.expectKicked("duplicate login")
        }
    }

    @Test("frames that are not one line of text are refused in turn and not run; an over-long message closes the socket")
    func framesThatAreNotLines() async throws {
        var config = DaemonConfig()
        config["gateway", "max_line_bytes"] = "1024"
        try await withCluster(config: config) { cluster in
            let browser = try await cluster.webClient()
            _ = try await browser.register(uniqueName("w"))
            try await browser.sendFrame(.clientText("PING\nPING"))
            try await browser.sendFrame(.clientText("PING", opcode: .binary))
            try await browser.send("PING")
            #expect(try await browser.reply() == "-ERR usage: one line per frame")
            #expect(try await browser.reply() == "-ERR text frames only")
            #expect(try await browser.reply() == "+OK pong")
            try await browser.send("SEND 1 " + String(repeating: "x", count: 2000))
            #expect(try await browser.reply() == "-ERR line too long")
            try await browser.waitClosed()
        }
    }

    @Test("pings are answered with their payload; a message in fragments, a ping between them, is one line")
    func pingsAndFragments() async throws {
        try await withCluster { cluster in
            let port = try #require(await cluster.daemons[0].webPort())
            let socket = try await FrameClient.connect(port: port)
            #expect(try await socket.next().hasPrefix("text +OK welcome to mpim"))
            try await socket.send(.client(.ping, "are you there"))
            #expect(try await socket.next() == "pong are you there")
            try await socket.send(.client(.text, "PI", fin: false))
            try await socket.send(.client(.ping, "between"))
            try await socket.send(.client(.continuation, "N", fin: false))
            try await socket.send(.client(.continuation, "G"))
            #expect(try await socket.next() == "pong between")
            #expect(try await socket.next() == "text +OK pong")
            socket.close()
        }
    }

    @Test("a client's close is answered with a close; a frame the protocol forbids closes the socket with 1002")
    func closes() async throws {
        try await withCluster { cluster in
            let port = try #require(await cluster.daemons[0].webPort())
            let leaving = try await FrameClient.connect(port: port)
            _ = try await leaving.next()
            try await leaving.send(.clientClose(.normalClosure))
            #expect(try await leaving.next() == "close 1000")
            try await leaving.waitClosed()

            let forbidden: [(String, [WebSocketFrame])] = [
                ("an unmasked frame", [.client(.text, "PING", masked: false)]),
                ("a continuation of nothing", [.client(.continuation, "PING")]),
                ("a new message inside another", [.client(.text, "PI", fin: false), .client(.text, "PING")]),
            ]
            for (what, frames) in forbidden {
                let socket = try await FrameClient.connect(port: port)
                _ = try await socket.next()
                for frame in frames { try await socket.send(frame) }
                #expect(try await socket.next() == "close 1002", "\(what)")
                try await socket.waitClosed()
            }
            // None of it disturbed the listener.
            let browser = try await cluster.webClient()
            #expect(try await browser.cmd("PING") == "+OK pong")
        }
    }

    @Test("an upgrade anywhere but /ws is refused")
    func otherPaths() async throws {
        try await withCluster { cluster in
            let port = try #require(await cluster.daemons[0].webPort())
            await #expect(throws: WebSocketRefused.self) {
                _ = try await LineClient.connectWebSocket(port: port, path: "/chat")
            }
            #expect(try await LineClient.connectWebSocket(port: port).cmd("PING") == "+OK pong")
        }
    }

    @Test("a page from another origin may not open a socket; the listener's own origin and a configured one may")
    func origins() async throws {
        var config = DaemonConfig()
        config["web", "allowed_origins"] = "https://chat.example.com"
        try await withCluster(config: config) { cluster in
            let port = try #require(await cluster.daemons[0].webPort())
            await #expect(throws: WebSocketRefused.self) {
                _ = try await LineClient.connectWebSocket(port: port, origin: "https://evil.example")
            }
            for origin in ["http://127.0.0.1:\(port)", "https://chat.example.com"] {
                let browser = try await LineClient.connectWebSocket(port: port, origin: origin)
                #expect(try await browser.cmd("PING") == "+OK pong", "\(origin)")
                browser.close()
            }
        }
    }

    @Test("an idle WebSocket session is told why and closed, as a TCP one is")
    func idleTimeout() async throws {
        var config = DaemonConfig()
        config["gateway", "idle_timeout"] = "1"
        try await withCluster(config: config) { cluster in
            let browser = try await cluster.webClient()
            try await browser.expectKicked("idle timeout", timeout: .seconds(5))
        }
    }

    @Test("the web listener serves the web client's page at / and nothing of the operators' API")
    func servesThePage() async throws {
        try await withCluster { cluster in
            let port = try #require(await cluster.daemons[0].webPort())
            let page = try httpGet(port: port, path: "/")
            #expect(page.status == 200)
            #expect(page.headers["content-type"]?.hasPrefix("text/html") == true, "\(page.headers)")
            for path in ["/metrics", "/healthz", "/admin/sessions"] {
                #expect(try httpGet(port: port, path: path).status == 404, "\(path)")
            }
        }
    }
}
