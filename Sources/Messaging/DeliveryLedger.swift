import MPIMCore
import MPIMServices

/// Records pushes that reached a session — as delivered, or as awaiting an
/// ack for a session in ack mode — through the message writer, off the push
/// path.
///
/// A PULL first `flush()`es, so a message pushed to a session before that
/// session's PULL is never returned by it.
public final class DeliveryLedger: DeliveryReceipts {
    private let writer: MessageWriter

    public init(writer: MessageWriter) {
        self.writer = writer
    }

    public func pushed(_ receipts: [PushReceipt]) {
        writer.record(receipts.map { receipt in
            MailboxReceipt(
                user: receipt.user, message: receipt.message, state: receipt.awaitingAck ? .awaitingAck : .delivered,
                group: receipt.group)
        })
    }

    /// Waits until every delivery recorded so far is written.
    public func flush() async {
        await writer.flush()
    }
}
