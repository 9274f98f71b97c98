import MPIMCore
import Messaging
import Synchronization
import Testing
import TestSupport

@Suite("PostgreSQL message store")
struct PostgresMessageStoreTests {
    /// Two daemons (two stores, two pools) store batches at once while a
    /// device SYNCs with `after` its last id: it must see every message,
    /// which it can only if no lower id ever commits after a higher one.
    @Test("two daemons storing at once commit ids in increasing order: SYNC by last id misses none")
    func idsIncreaseAcrossDaemons() async throws {
        let (first, reopen) = try await temporaryStore(.postgres)
        let second = try await reopen()
        let batches = 40
        let done = FinishedWriters()
        let writers = [first, second].enumerated().map { index, store in
            Task {
                var ids: [MessageID] = []
                for batch in 0..<batches {
                    let outgoing = (0..<(1 + batch % 7)).map {
                        OutgoingMessage(sender: UserID(10 + index), recipient: 2, text: "\(index).\(batch).\($0)")
                    }
                    ids += try await store.storedMessages(outgoing).map(\.message.id)
                }
                done.count.withLock { $0 += 1 }
                return ids
            }
        }
        var seen: [MessageID] = []
        var last: MessageID = 0
        while true {
            let finished = done.count.withLock { $0 } == 2
            let page = try await first.mailbox(of: 2, after: last, limit: 1000)
            seen += page.map(\.id)
            last = page.last?.id ?? last
            if finished && page.isEmpty { break }
        }
        var stored: [MessageID] = []
        for writer in writers {
            let ids = try await writer.value
            #expect(ids == ids.sorted(), "each daemon's ids increase")
            stored += ids
        }
        #expect(Set(stored).count == stored.count, "ids are unique")
        #expect(seen == stored.sorted(), "SYNC by last id saw every message, in id order")
    }
}

/// How many writers are done, shared with the tasks that write.
private final class FinishedWriters: Sendable {
    let count = Mutex(0)
}
