import MPIMCore
import NIOCore
import NIOEmbedded
import Testing
@testable import Gateway

@Suite("Idle connection closer")
struct IdleConnectionCloserTests {
    /// A channel with the closer first, active, on an event loop whose clock the test moves.
    private func idleChannel(timeout: TimeAmount) throws -> (EmbeddedChannel, ConnectionWriter) {
        let channel = EmbeddedChannel()
        let writer = ConnectionWriter(channel: channel, receipts: ConnectionWriterTests.RecordedReceipts())
        try channel.pipeline.syncOperations.addHandler(IdleConnectionCloser(writer: writer, timeout: timeout))
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        return (channel, writer)
    }

    @Test("a connection silent for the timeout is told why and closed")
    func kicksSilence() throws {
        let (channel, writer) = try idleChannel(timeout: .seconds(10))
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(9999))
        #expect(channel.isActive && writer.endReason == nil, "not before the timeout")
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(1))
        #expect(writer.endReason == "idle timeout")
        #expect(try channel.readOutbound(as: ByteBuffer.self).map { String(buffer: $0) } == "KICKED reason=idle timeout\n")
        #expect(!channel.isActive)
    }

    @Test("every read restarts the clock, and reads pass through")
    func readsRestart() throws {
        let (channel, writer) = try idleChannel(timeout: .seconds(10))
        for _ in 0..<5 {
            channel.embeddedEventLoop.advanceTime(by: .seconds(6))
            try channel.writeInbound(channel.allocator.buffer(string: "PING\n"))
            #expect(try channel.readInbound(as: ByteBuffer.self).map { String(buffer: $0) } == "PING\n")
        }
        #expect(channel.isActive && writer.endReason == nil, "30 s of reads 6 s apart")
        channel.embeddedEventLoop.advanceTime(by: .seconds(9))
        #expect(writer.endReason == nil, "9 s after the last read")
        channel.embeddedEventLoop.advanceTime(by: .seconds(1))
        #expect(writer.endReason == "idle timeout", "10 s after the last read")
    }

    @Test("a closed connection's timer is cancelled")
    func stopsWhenClosed() throws {
        let (channel, writer) = try idleChannel(timeout: .seconds(10))
        try channel.close().wait()
        channel.embeddedEventLoop.advanceTime(by: .seconds(60))
        #expect(writer.endReason == nil, "nobody kicks a connection that ended")
    }
}
