import GRDB
import MPIMCore
import Messaging
import Storage

extension SQLiteMessageStore {
    public func startMembership(of user: UserID, in group: GroupID) async throws(MPIMError) {
        try await write("start membership") { db in
            let head = try DeliveryCursors.newestMessageID(db)
            try GroupCursorRecord(groupID: group, userID: user, joinedAfter: head, deliveredThrough: head)
                .insert(db, onConflict: .ignore)
        }
    }

    public func endMembership(of user: UserID, in group: GroupID) async throws(MPIMError) {
        try await write("end membership") { db in
            guard let cursor = try GroupCursorRecord.fetchOne(db, key: ["groupID": group, "userID": user]) else {
                return
            }
            try DeliveryCursors.endMembership(cursor, in: db)
            try cursor.delete(db)
        }
    }

    public func storeNotice(_ text: String) async throws(MPIMError) -> ChatMessage {
        try await write("store notice") { db in
            var record = MessageRecord(id: nil, senderID: 0, recipientID: nil, groupID: nil, text: text,
                                       createdAt: .now())
            try record.insert(db)
            return ChatMessage(id: record.id!, sender: 0, conversation: .direct(0), text: text,
                               timestamp: record.createdAt)
        }
    }
}
