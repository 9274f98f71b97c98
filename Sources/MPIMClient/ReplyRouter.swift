/// Sorts the lines of one connection: pushes, data lines of the reply being
/// read, final reply lines, and anything else. Replies come in command order,
/// so only the oldest waiting command can be answered by a line.
///
/// A pure state machine (no I/O); `Token` is whatever identifies a waiter
/// (a promise on a channel, an integer in tests).
public struct ReplyRouter<Token> {
    public enum Routed {
        /// A line the server sent on its own.
        case push(ServerPush, line: String)
        /// The final line of the oldest command arrived: its complete reply.
        case reply(Token, ServerReply)
        /// A data line, kept until the final line of its reply.
        case data
        /// A line that fits nothing: a final line with no command waiting, or an unknown word.
        case unsolicited(String)
    }

    private struct Waiter {
        var token: Token
        var shape: ReplyShape
        /// The greeting is the whole reply, whatever it starts with.
        var isGreeting: Bool
        var data: [String] = []
    }

    private var waiters: [Waiter] = []
    private var head = 0

    public init() {}

    /// Number of commands (and greeting) still waiting for their final line.
    public var waiting: Int { waiters.count - head }

    /// The greeting the server writes on connect is answered first.
    public mutating func expectGreeting(_ token: Token) {
        waiters.append(Waiter(token: token, shape: .single, isGreeting: true))
    }

    /// A command was written; its reply comes after the replies of the earlier ones.
    public mutating func expectReply(_ token: Token, shape: ReplyShape) {
        waiters.append(Waiter(token: token, shape: shape, isGreeting: false))
    }

    public mutating func route(_ line: String) -> Routed {
        if head < waiters.count, waiters[head].isGreeting {
            return .reply(popHead().token, ServerReply(final: line))
        }
        if line.hasPrefix("+OK") || line.hasPrefix("-ERR") {
            guard head < waiters.count else { return .unsolicited(line) }
            let waiter = popHead()
            return .reply(waiter.token, ServerReply(data: waiter.data, final: line))
        }
        let word = String(firstWord(line))
        if head < waiters.count, waiters[head].shape.dataWords.contains(word) {
            waiters[head].data.append(line)
            return .data
        }
        if let push = ServerPush(line: line) {
            return .push(push, line: line)
        }
        return .unsolicited(line)
    }

    /// The connection is gone: every waiter, oldest first, to be failed.
    public mutating func drain() -> [Token] {
        defer {
            waiters = []
            head = 0
        }
        return waiters[head...].map(\.token)
    }

    private mutating func popHead() -> Waiter {
        let waiter = waiters[head]
        head += 1
        if head > 64 && head * 2 > waiters.count {  // compact now and then
            waiters.removeFirst(head)
            head = 0
        }
        return waiter
    }
}
