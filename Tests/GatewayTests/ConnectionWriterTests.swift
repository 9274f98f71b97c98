import MPIMCore
import MPIMServices
import NIOCore
import NIOEmbedded
import Synchronization
import Testing
@testable import Gateway

@Suite("Connection writer")
struct ConnectionWriterTests {
    final class RecordedReceipts: DeliveryReceipts {
        let pushes = Mutex<[String]>([])
        /// Calls of the batch form: one per write.
        let handOffs = Mutex(0)
        func pushed(_ receipts: [PushReceipt]) {
            handOffs.withLock { $0 += 1 }
            pushes.withLock { pushes in
                for receipt in receipts {
                    let group = receipt.group.map { "@\($0)" } ?? ""
                    pushes.append("\(receipt.message)\(group)>\(receipt.user)\(receipt.awaitingAck ? " ack" : "")")
                }
            }
        }
    }

    @Test("lines queued before the event loop runs go out as one write, in order, and report their receipts once written")
    func coalesces() throws {
        let channel = EmbeddedChannel()
        let receipts = RecordedReceipts()
        let writer = ConnectionWriter(channel: channel, receipts: receipts)
        writer.write("+OK msg_id=1")
        writer.write("MSG id=2 from=1 ts=0 text=a", receipt: .init(message: 2, group: nil, user: 7, awaitingAck: false))
        writer.write("GMSG id=3 group=1 from=1 ts=0 text=b", receipt: .init(message: 3, group: 1, user: 7, awaitingAck: true))
        #expect(try channel.readOutbound(as: ByteBuffer.self) == nil, "nothing is written before the event loop runs")
        #expect(receipts.pushes.withLock { $0 }.isEmpty)
        channel.embeddedEventLoop.run()
        let written = try #require(try channel.readOutbound(as: ByteBuffer.self))
        #expect(String(buffer: written) == "+OK msg_id=1\nMSG id=2 from=1 ts=0 text=a\nGMSG id=3 group=1 from=1 ts=0 text=b\n")
        #expect(try channel.readOutbound(as: ByteBuffer.self) == nil, "one write")
        #expect(receipts.pushes.withLock { $0 } == ["2>7", "3@1>7 ack"])
        #expect(receipts.handOffs.withLock { $0 } == 1, "a write's receipts are handed over together")

        writer.write("+OK msg_id=4")
        channel.embeddedEventLoop.run()
        #expect(try channel.readOutbound(as: ByteBuffer.self).map { String(buffer: $0) } == "+OK msg_id=4\n")
        _ = try channel.finish()
    }

    @Test("a connection is kicked once: KICKED with the first reason, then closed; the first recorded end wins")
    func kicksOnce() throws {
        let channel = EmbeddedChannel()
        let writer = ConnectionWriter(channel: channel, receipts: RecordedReceipts())
        #expect(writer.endReason == nil, "no reason until something decides the end: the client closed it")
        #expect(writer.kick(reason: "duplicate login"))
        #expect(!writer.kick(reason: "server shutdown"), "a second kick neither writes nor closes again")
        #expect(!writer.recordEnd("quit"))
        #expect(writer.endReason == "duplicate login")
        channel.embeddedEventLoop.run()
        #expect(try channel.readOutbound(as: ByteBuffer.self).map { String(buffer: $0) } == "KICKED reason=duplicate login\n")
        #expect(try channel.readOutbound(as: ByteBuffer.self) == nil)
        #expect(!channel.isActive, "closed once KICKED is written")

        let quitting = ConnectionWriter(channel: EmbeddedChannel(), receipts: RecordedReceipts())
        #expect(quitting.recordEnd("quit"))
        #expect(!quitting.kick(reason: "idle timeout"), "a connection already ending is not kicked")
        #expect(quitting.endReason == "quit")
    }

    @Test("writes scheduled while a batch collects wait for its end, then go out, each connection's in one write")
    func batchHoldsWrites() throws {
        let loop = EmbeddedEventLoop()
        let first = EmbeddedChannel(loop: loop)
        let second = EmbeddedChannel(loop: loop)
        let firstWriter = ConnectionWriter(channel: first, receipts: RecordedReceipts())
        let secondWriter = ConnectionWriter(channel: second, receipts: RecordedReceipts())
        var heldBack = true
        ConnectionWriteBatch.collecting {
            firstWriter.write("+OK msg_id=1")
            secondWriter.write("MSG id=1 from=1 ts=0 text=a")
            firstWriter.write("+OK msg_id=2")
            loop.run()
            heldBack = (try? first.readOutbound(as: ByteBuffer.self)) == nil
                && (try? second.readOutbound(as: ByteBuffer.self)) == nil
        }
        #expect(heldBack, "nothing is scheduled on the loop while the batch runs")
        loop.run()
        #expect(try first.readOutbound(as: ByteBuffer.self).map { String(buffer: $0) } == "+OK msg_id=1\n+OK msg_id=2\n")
        #expect(try second.readOutbound(as: ByteBuffer.self).map { String(buffer: $0) } == "MSG id=1 from=1 ts=0 text=a\n")

        firstWriter.write("+OK msg_id=3")
        loop.run()
        #expect(
            try first.readOutbound(as: ByteBuffer.self).map { String(buffer: $0) } == "+OK msg_id=3\n",
            "outside a batch a write is scheduled at once")
        _ = try first.finish()
        _ = try second.finish()
    }

    @Test("what waits for a batch's writes runs when the batch ends, so a reply written after it follows them")
    func afterScheduledWrites() throws {
        let channel = EmbeddedChannel()
        let writer = ConnectionWriter(channel: channel, receipts: RecordedReceipts())
        var ranInside = false
        var ran = false
        ConnectionWriteBatch.collecting {
            writer.write("+OK msg_id=1")
            ConnectionWriteBatch.afterScheduledWrites {
                ran = true
                // As a command's task writes: a task on the channel's loop.
                channel.eventLoop.execute { channel.writeAndFlush(ByteBuffer(string: "+OK pong\n"), promise: nil) }
            }
            ranInside = ran
        }
        #expect(!ranInside, "not while the batch runs")
        #expect(ran)
        channel.embeddedEventLoop.run()
        #expect(try channel.readOutbound(as: ByteBuffer.self).map { String(buffer: $0) } == "+OK msg_id=1\n")
        #expect(try channel.readOutbound(as: ByteBuffer.self).map { String(buffer: $0) } == "+OK pong\n")

        var ranAtOnce = false
        ConnectionWriteBatch.afterScheduledWrites { ranAtOnce = true }
        #expect(ranAtOnce, "outside a batch it runs at once")
        _ = try channel.finish()
    }
}
