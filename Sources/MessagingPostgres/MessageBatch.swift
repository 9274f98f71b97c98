import MPIMCore
import Messaging
import NIOCore
import PostgresNIO

/// One call of `store_message_batch`: the writer's batch as its arrays, and
/// its rows back as the batch's outcomes.
struct MessageBatch {
    private var senders: [Int64] = []
    private var recipients: [Int64] = []
    private var groups: [Int64] = []
    private var bodies: [ByteBuffer] = []
    private var clientIDs: [String] = []
    private var receiptUsers: [Int64] = []
    private var receiptMessages: [Int64] = []
    private var receiptStates: [Int16] = []
    private let storedAt: UnixMillis

    init(_ batch: [OutgoingMessage], receipts: [MailboxReceipt], at storedAt: UnixMillis) {
        self.storedAt = storedAt
        for message in batch {
            senders.append(message.sender)
            switch message.conversation {
            case .direct(let recipient):
                recipients.append(recipient)
                groups.append(0)
            case .group(let group):
                recipients.append(0)
                groups.append(group)
            }
            bodies.append(ByteBuffer(string: message.text))
            clientIDs.append(message.clientID ?? "")
        }
        for receipt in receipts {
            receiptUsers.append(receipt.user)
            receiptMessages.append(receipt.message)
            receiptStates.append(Int16(receipt.state.rawValue))
        }
    }

    /// A notice: sender 0, addressed to nobody.
    init(notice text: String, at storedAt: UnixMillis) {
        self.storedAt = storedAt
        senders = [0]
        recipients = [0]
        groups = [0]
        bodies = [ByteBuffer(string: text)]
        clientIDs = [""]
    }

    var query: PostgresQuery {
        """
        SELECT ordinal, outcome, id, sender_id, recipient_id, group_id, body, created_at, recipients_now
        FROM store_message_batch(\(senders), \(recipients), \(groups), \(bodies), \(clientIDs),
                                 \(receiptUsers), \(receiptMessages), \(receiptStates), \(storedAt))
        """
    }

    typealias Row = (Int64, Int16, MessageID?, UserID?, UserID?, GroupID?, ByteBuffer?, UnixMillis?, [UserID]?)

    /// The outcome of each message, in the batch's order.
    static func outcomes(_ rows: [Row], count: Int) throws -> [Result<StoredMessage, MPIMError>] {
        var outcomes = [Result<StoredMessage, MPIMError>?](repeating: nil, count: count)
        for (ordinal, outcome, id, sender, recipient, group, body, createdAt, recipientsNow) in rows {
            let index = Int(ordinal) - 1
            guard outcomes.indices.contains(index) else { throw BatchAnswerError.unexpectedRow(ordinal) }
            guard outcome != 2 else {
                outcomes[index] = .failure(.notMember)
                continue
            }
            guard let id, let sender, let body, let createdAt else { throw BatchAnswerError.unexpectedRow(ordinal) }
            let message = MessageRow.chatMessage((id, sender, recipient, group, body, createdAt))
            let isRepeat = outcome == 1
            let addressed = isRepeat ? [] : group == nil ? [recipient ?? 0] : recipientsNow ?? []
            outcomes[index] = .success(StoredMessage(message: message, recipients: addressed, isRepeat: isRepeat))
        }
        return try outcomes.enumerated().map { index, outcome in
            guard let outcome else { throw BatchAnswerError.missingRow(index + 1) }
            return outcome
        }
    }
}

/// `store_message_batch` answered rows that do not match the batch: a schema
/// this build does not expect.
enum BatchAnswerError: Error, CustomStringConvertible {
    case unexpectedRow(Int64)
    case missingRow(Int)

    var description: String {
        switch self {
        case .unexpectedRow(let ordinal): "store_message_batch answered an unexpected row for message \(ordinal)"
        case .missingRow(let ordinal): "store_message_batch answered no row for message \(ordinal)"
        }
    }
}
