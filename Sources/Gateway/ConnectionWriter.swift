import MPIMCore
import MPIMServices
import NIOCore
import Synchronization

/// Writes lines to one connection from outside its event loop: pushes, and
/// the replies of pipelined sends. Lines that arrive while a write is already
/// scheduled join it, so a burst costs one event-loop task, one write and one
/// flush instead of one of each per line. It also keeps why the connection
/// ends, whoever decided it (a kick from any thread, QUIT, an over-long
/// line), so the one line logged at its end can say.
final class ConnectionWriter: Sendable {
    private struct Pending {
        var bytes: ByteBuffer?
        var receipts: [PushReceipt] = []
        var scheduled = false
    }

    let channel: any Channel
    private let receipts: any DeliveryReceipts
    private let pending = Mutex(Pending())
    private let recordedEnd = Mutex<String?>(nil)

    init(channel: any Channel, receipts: any DeliveryReceipts) {
        self.channel = channel
        self.receipts = receipts
    }

    /// Queues `line` (the newline is added) and, unless a write is already
    /// scheduled, schedules one on the channel's event loop (when the batch
    /// collecting on this thread ends, if one is: `ConnectionWriteBatch`).
    func write(_ line: String, receipt: PushReceipt? = nil) {
        let schedule = pending.withLock { pending -> Bool in
            if pending.bytes == nil {
                pending.bytes = channel.allocator.buffer(capacity: max(128, line.utf8.count + 1))
            }
            pending.bytes!.writeString(line)
            pending.bytes!.writeInteger(UInt8(ascii: "\n"))
            if let receipt { pending.receipts.append(receipt) }
            guard !pending.scheduled else { return false }
            pending.scheduled = true
            return true
        }
        if schedule, !ConnectionWriteBatch.take(self) {
            channel.eventLoop.execute { self.writePending() }
        }
    }

    /// Why the connection ends; nil until something decided it (then the
    /// client closed it).
    var endReason: String? { recordedEnd.withLock { $0 } }

    /// Records why the connection ends, unless a reason is already recorded:
    /// the first wins. True if this one was recorded.
    @discardableResult
    func recordEnd(_ reason: String) -> Bool {
        recordedEnd.withLock { recorded in
            guard recorded == nil else { return false }
            recorded = reason
            return true
        }
    }

    /// Writes `KICKED reason=…` and closes the connection once it is written,
    /// unless the connection is already ending (kicked before, QUIT): a
    /// connection is kicked at most once. True if this call kicked it.
    @discardableResult
    func kick(reason: String) -> Bool {
        guard recordEnd(reason) else { return false }
        channel.writeAndFlush(channel.allocator.buffer(string: Push.kicked(reason: reason).line + "\n"))
            .whenComplete { [channel] _ in channel.close(promise: nil) }
        return true
    }

    /// Writes what is queued; on the channel's event loop.
    func writePending() {
        let (bytes, written) = pending.withLock { pending in
            defer { pending = Pending() }
            return (pending.bytes, pending.receipts)
        }
        guard let bytes else { return }
        guard !written.isEmpty else {
            channel.writeAndFlush(bytes, promise: nil)
            return
        }
        // Reported when the bytes are written, on the event loop, before this
        // channel reads the client's next line: a PULL after a push never
        // returns the pushed message.
        let promise = channel.eventLoop.makePromise(of: Void.self)
        let receipts = self.receipts
        promise.futureResult.whenSuccess { receipts.pushed(written) }
        channel.writeAndFlush(bytes, promise: promise)
    }
}
