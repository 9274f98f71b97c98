import NIOCore

/// A connection another transport accepted, run by the gateway
/// (`GatewayServer.adopt`): the transport hands it each message it receives
/// and tells it when the connection ends.
package struct AdoptedConnection: Sendable {
    let inbox: LineInbox
    /// Longest accepted line, in bytes (the gateway's `max_line_bytes`).
    package let maxLineBytes: Int

    /// One message of text: one command line, without its newline. A
    /// message holding a newline is refused, not split. True when the
    /// transport should stop reading until the session catches up (the
    /// channel's `autoRead` is turned back on by the gateway).
    @discardableResult
    package func received(line: ByteBuffer) -> Bool {
        if line.readableBytesView.contains(UInt8(ascii: "\n")) {
            return inbox.receive(.refused(.notOneLine))
        }
        return inbox.receive(.line(line, admitted: false))
    }

    /// A message that is not text.
    package func receivedBinary() {
        _ = inbox.receive(.refused(.notText))
    }

    /// A message longer than `maxLineBytes`: answered, then the connection closes.
    package func receivedTooLong() {
        _ = inbox.receive(.lineTooLong)
    }

    /// The connection ended: the session ends.
    package func closed() {
        _ = inbox.receive(.closed)
    }
}
