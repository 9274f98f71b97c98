import MPIMCore
import Messaging
import NIOCore
import PostgresNIO
import PostgresStorage

/// One call of `store_message_batch`: the writer's batch as its arrays, and
/// its rows back as the batch's outcomes.
struct MessageBatch {
    private var senders: [Int64] = []
    private var recipients: [Int64] = []
    private var groups: [Int64] = []
    private var clientIDs: [String] = []
    /// No group message and no client id: the function stores it by one insert.
    private var plain = true
    private var direct = Receipts()
    private var inGroups = Receipts()
    /// What each message says: sent as its bytes, and the text of the rows
    /// answered without it.
    private var texts: [String] = []
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
                plain = false
            }
            texts.append(message.text)
            clientIDs.append(message.clientID ?? "")
            if message.clientID != nil { plain = false }
        }
        for receipt in receipts {
            if receipt.group == nil { direct.append(receipt) } else { inGroups.append(receipt) }
        }
    }

    /// A notice: sender 0, addressed to nobody.
    init(notice text: String, at storedAt: UnixMillis) {
        self.storedAt = storedAt
        senders = [0]
        recipients = [0]
        groups = [0]
        texts = [text]
        clientIDs = [""]
    }

    /// The call, as a statement the writer's connection prepares once.
    var preparedCall: PreparedCall {
        PreparedCall(sql: Self.preparedSQL, binds: [
            PostgresData(binary: senders), PostgresData(binary: recipients), PostgresData(binary: groups),
            PostgresData(binary: texts.map { ByteBuffer(string: $0) }), PostgresData(binary: clientIDs),
            PostgresData(binary: plain), PostgresData(binary: direct.users), PostgresData(binary: direct.messages),
            PostgresData(binary: direct.states), PostgresData(binary: inGroups.users),
            PostgresData(binary: inGroups.messages), PostgresData(binary: inGroups.states),
            PostgresData(binary: storedAt),
        ])
    }

    /// The same call as an unnamed statement, for the pool's connections.
    var query: PostgresQuery {
        var binds = PostgresBindings(capacity: 13)
        preparedCall.binds.forEach { binds.append($0) }
        return PostgresQuery(unsafeSQL: Self.preparedSQL, binds: binds)
    }

    private static let preparedSQL = """
        SELECT ordinal, outcome, id, sender_id, recipient_id, group_id, body, created_at, recipients_now
        FROM store_message_batch($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
        """

    typealias Row = (Int64, Int16, MessageID?, UserID?, UserID?, GroupID?, ByteBuffer?, UnixMillis?, [UserID]?)

    /// A row answered to `preparedCall` (or to `query`).
    static func row(_ answered: PostgresRow) throws -> Row {
        let cells = answered.preparedCallCells
        guard cells.count == 9 else { throw BatchAnswerError.unexpectedColumns(cells.count) }
        return (try cells[0].decode(Int64.self), try cells[1].decode(Int16.self), try cells[2].decode(MessageID?.self),
                try cells[3].decode(UserID?.self), try cells[4].decode(UserID?.self), try cells[5].decode(GroupID?.self),
                try cells[6].decode(ByteBuffer?.self), try cells[7].decode(UnixMillis?.self),
                try cells[8].decode([UserID]?.self))
    }

    /// The outcome of each message, in the batch's order: the rows answer
    /// the first id given out (ordinal 0) and each message not simply
    /// stored; the others took the next ids in batch order.
    func outcomes(_ rows: [Row]) throws -> [Result<StoredMessage, MPIMError>] {
        var nextID: MessageID?
        var answered = [Row?](repeating: nil, count: texts.count)
        for row in rows {
            let index = Int(row.0) - 1
            if index == -1 {
                nextID = row.2
                continue
            }
            guard answered.indices.contains(index), answered[index] == nil else {
                throw BatchAnswerError.unexpectedRow(row.0)
            }
            answered[index] = row
        }
        guard !texts.isEmpty else { return [] }
        guard var nextID else { throw BatchAnswerError.missingRow(0) }
        return try answered.enumerated().map { index, row -> Result<StoredMessage, MPIMError> in
            if let (ordinal, outcome, id, sender, recipient, group, body, createdAt, recipientsNow) = row {
                switch outcome {
                case 2:
                    return .failure(.notMember)
                case 1:
                    guard let id, let sender, let body, let createdAt else { throw BatchAnswerError.unexpectedRow(ordinal) }
                    let message = MessageRow.chatMessage((id, sender, recipient, group, body, createdAt))
                    return .success(StoredMessage(message: message, recipients: [], isRepeat: true))
                default:
                    guard id == nextID, let group else { throw BatchAnswerError.unexpectedRow(ordinal) }
                    nextID += 1
                    let message = ChatMessage(id: id!, sender: senders[index], conversation: .group(group),
                                              text: texts[index], timestamp: storedAt)
                    return .success(StoredMessage(message: message, recipients: recipientsNow ?? [], isRepeat: false))
                }
            }
            guard groups[index] == 0 else { throw BatchAnswerError.missingRow(index + 1) }
            defer { nextID += 1 }
            let message = ChatMessage(id: nextID, sender: senders[index], conversation: .direct(recipients[index]),
                                      text: texts[index], timestamp: storedAt)
            return .success(StoredMessage(message: message, recipients: [recipients[index]], isRepeat: false))
        }
    }
}

/// Receipts as the function's arrays.
private struct Receipts {
    var users: [Int64] = []
    var messages: [Int64] = []
    var states: [Int16] = []

    mutating func append(_ receipt: MailboxReceipt) {
        users.append(receipt.user)
        messages.append(receipt.message)
        states.append(Int16(receipt.state.rawValue))
    }
}

/// `store_message_batch` answered rows that do not match the batch: a schema
/// this build does not expect.
enum BatchAnswerError: Error, CustomStringConvertible {
    case unexpectedRow(Int64)
    case missingRow(Int)
    case unexpectedColumns(Int)

    var description: String {
        switch self {
        case .unexpectedRow(let ordinal): "store_message_batch answered an unexpected row for message \(ordinal)"
        case .missingRow(let ordinal): "store_message_batch answered no row for message \(ordinal)"
        case .unexpectedColumns(let count): "store_message_batch answered rows of \(count) columns"
        }
    }
}
