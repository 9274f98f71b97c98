import NIOCore

/// Splits the byte stream into lines ended by `\n`, dropping one `\r` before
/// it (telnet, Windows netcat). A line longer than `maxLineBytes` without its
/// newline is an error, so the peer can never make us buffer more than that.
///
/// The one framing of the protocol (PROTOCOL.md "Transport"): the gateway reads
/// commands with it, and the client, the bench and the tests read the server's
/// lines with it. Every byte but the `\n` (and that one `\r`) is kept, NUL and
/// invalid UTF-8 included: what a line means is for the reader to decide.
public struct LineFrameDecoder: ByteToMessageDecoder {
    public typealias InboundOut = ByteBuffer

    public let maxLineBytes: Int
    /// Where the newline search resumes, so a slowly arriving line is scanned once.
    private var scanned = 0

    public init(maxLineBytes: Int) {
        self.maxLineBytes = maxLineBytes
    }

    public mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        let view = buffer.readableBytesView
        guard let newline = view.dropFirst(scanned).firstIndex(of: UInt8(ascii: "\n")) else {
            scanned = view.count
            // +1: the line's last byte may be the `\r` of a `\r\n` still on its way.
            if view.count > maxLineBytes + 1 { throw LineTooLongError() }
            return .needMoreData
        }
        var length = newline - view.startIndex
        scanned = 0
        var line = buffer.readSlice(length: length)!
        buffer.moveReaderIndex(forwardBy: 1)
        if line.readableBytesView.last == UInt8(ascii: "\r") {
            length -= 1
            line = line.getSlice(at: line.readerIndex, length: length)!
        }
        if length > maxLineBytes { throw LineTooLongError() }
        context.fireChannelRead(wrapInboundOut(line))
        return .continue
    }

    public mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        // A partial last line without its newline is not a command.
        while try decode(context: context, buffer: &buffer) == .continue {}
        buffer.clear()
        return .needMoreData
    }
}

/// A line exceeded the configured maximum.
public struct LineTooLongError: Error, Equatable {}
