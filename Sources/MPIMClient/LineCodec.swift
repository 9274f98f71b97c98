import NIOCore

/// Splits what the server sends into lines ended by `\n`, dropping a `\r`
/// before it, and turns each into a `String` (invalid UTF-8 is replaced, not
/// fatal). A line longer than `maxLineBytes` closes the connection.
struct ServerLineDecoder: ByteToMessageDecoder {
    typealias InboundOut = String

    let maxLineBytes: Int
    private var scanned = 0

    init(maxLineBytes: Int) {
        self.maxLineBytes = maxLineBytes
    }

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        let view = buffer.readableBytesView
        guard let newline = view.dropFirst(scanned).firstIndex(of: UInt8(ascii: "\n")) else {
            scanned = view.count
            if view.count > maxLineBytes { throw ServerLineTooLong() }
            return .needMoreData
        }
        scanned = 0
        var bytes = buffer.readBytes(length: newline - view.startIndex)!
        buffer.moveReaderIndex(forwardBy: 1)
        if bytes.last == UInt8(ascii: "\r") { bytes.removeLast() }
        context.fireChannelRead(wrapInboundOut(String(decoding: bytes, as: UTF8.self)))
        return .continue
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        while try decode(context: context, buffer: &buffer) == .continue {}
        buffer.clear()  // a last line without its newline is not a complete line
        return .needMoreData
    }
}

struct ServerLineTooLong: Error {}
