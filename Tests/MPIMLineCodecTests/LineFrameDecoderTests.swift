import MPIMLineCodec
import NIOCore
import NIOEmbedded
import NIOTestUtils
import Testing

@Suite("Line framing")
struct LineFrameDecoderTests {
    private func buffer(_ string: String) -> ByteBuffer { ByteBuffer(string: string) }
    private func buffer(_ bytes: [UInt8]) -> ByteBuffer { ByteBuffer(bytes: bytes) }

    @Test("splits lines, strips one CR, keeps empty lines")
    func splitting() throws {
        try ByteToMessageDecoderVerifier.verifyDecoder(
            inputOutputPairs: [
                (buffer("PING\n"), [buffer("PING")]),
                (buffer("A\r\nB\n\n"), [buffer("A"), buffer("B"), buffer("")]),
                (buffer("keep\r\r\n"), [buffer("keep\r")]),
            ],
            decoderFactory: { LineFrameDecoder(maxLineBytes: 64) })
    }

    @Test("every byte but the newline is kept: NUL, a CR inside the line, invalid UTF-8")
    func byteExact() throws {
        let line: [UInt8] = [0x4D, 0x00, 0x0D, 0x41, 0xFF, 0xC3, 0x28, 0x09, 0x20]
        try ByteToMessageDecoderVerifier.verifyDecoder(
            inputOutputPairs: [
                (buffer(line + [0x0A]), [buffer(line)]),
                (buffer([0x00, 0x0D, 0x0A, 0x0D, 0x0A]), [buffer([0x00]), buffer([])]),
            ],
            decoderFactory: { LineFrameDecoder(maxLineBytes: 64) })
    }

    @Test("a line arriving in pieces comes out once, whole")
    func pieces() throws {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(LineFrameDecoder(maxLineBytes: 64)))
        for piece in ["SEND 2 ", "hello", "  there\r", "\nPI", "NG\n"] {
            try channel.writeInbound(buffer(piece))
        }
        #expect(try channel.readInbound(as: ByteBuffer.self) == buffer("SEND 2 hello  there"))
        #expect(try channel.readInbound(as: ByteBuffer.self) == buffer("PING"))
        #expect(try channel.readInbound(as: ByteBuffer.self) == nil)
        #expect(try channel.finish().isClean)
    }

    @Test("a last line without its newline is dropped when the stream ends")
    func unfinishedLast() throws {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(LineFrameDecoder(maxLineBytes: 64)))
        try channel.writeInbound(buffer("QUIT\nhalf a li"))
        #expect(try channel.readInbound(as: ByteBuffer.self) == buffer("QUIT"))
        #expect(try channel.finish().isClean)
    }

    @Test("a line over the limit is an error, one at the limit is not")
    func limit() throws {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(LineFrameDecoder(maxLineBytes: 8)))
        try channel.writeInbound(buffer("12345678\r\n"))
        #expect(try channel.readInbound(as: ByteBuffer.self) == buffer("12345678"))
        #expect(throws: LineTooLongError.self) {
            try channel.writeInbound(buffer("123456789\n"))
        }
        _ = try? channel.finish()
    }

    @Test("a line at the limit may wait for its newline after the CR")
    func limitWithPendingCR() throws {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(LineFrameDecoder(maxLineBytes: 8)))
        try channel.writeInbound(buffer("12345678\r"))
        try channel.writeInbound(buffer("\n"))
        #expect(try channel.readInbound(as: ByteBuffer.self) == buffer("12345678"))
        #expect(try channel.finish().isClean)
    }

    @Test("an endless partial line is cut off before it grows past the limit")
    func endlessPartial() throws {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(LineFrameDecoder(maxLineBytes: 8)))
        try channel.writeInbound(buffer("12345"))
        try channel.writeInbound(buffer("6789"))
        #expect(throws: LineTooLongError.self) {
            try channel.writeInbound(buffer("0"))
        }
        _ = try? channel.finish()
    }
}
