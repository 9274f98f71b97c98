import NIOCore
import NIOEmbedded
import NIOTestUtils
import Testing
@testable import Gateway

@Suite("Line framing")
struct LineFrameDecoderTests {
    private func buffer(_ string: String) -> ByteBuffer { ByteBuffer(string: string) }

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
