import Synchronization
import Testing
import WorkQueues

@Suite("Batching queue")
struct BatchingQueueTests {
    @Test("concurrent submissions are batched and each gets its own output")
    func batching() async throws {
        let batches = Mutex<[Int]>([])
        let commit = BatchingQueue<Int, Int>(maxBatch: 64) { items in
            batches.withLock { $0.append(items.count) }
            try await Task.sleep(for: .milliseconds(5))
            return items.map { $0 * 2 }
        }
        let results = try await withThrowingTaskGroup(of: (Int, Int).self) { group in
            for i in 0..<500 {
                group.addTask { (i, try await commit.submit(i)) }
            }
            return try await group.reduce(into: [:]) { $0[$1.0] = $1.1 }
        }
        #expect(results.count == 500)
        #expect(results.allSatisfy { $0.value == $0.key * 2 })
        let sizes = batches.withLock { $0 }
        #expect(sizes.reduce(0, +) == 500)
        #expect(sizes.count < 500, "some submissions shared a batch")
        #expect(sizes.allSatisfy { $0 <= 64 })
    }

    @Test("a failed batch fails every caller in it")
    func failure() async {
        struct Boom: Error {}
        let commit = BatchingQueue<Int, Int>(maxBatch: 8) { _ in throw Boom() }
        await #expect(throws: Boom.self) { _ = try await commit.submit(1) }
    }

    @Test("flush waits for everything enqueued before it")
    func flush() async {
        let written = Mutex<[Int]>([])
        let commit = BatchingQueue<Int, Void>(maxBatch: 4) { items in
            try await Task.sleep(for: .milliseconds(2))
            written.withLock { $0.append(contentsOf: items) }
            return items.map { _ in () }
        }
        for i in 0..<20 { commit.enqueue(i) }
        await commit.flush()
        #expect(written.withLock { $0.sorted() } == Array(0..<20))
        await commit.flush()  // nothing pending: returns at once
    }

    @Test("completions run in submission order, across batches")
    func completionOrder() async {
        let commit = BatchingQueue<Int, Int>(maxBatch: 7) { items in
            try await Task.sleep(for: .milliseconds(1))
            return items
        }
        let seen = Mutex<[Int]>([])
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            for i in 0..<100 {
                commit.submit(i) { result in
                    let count = seen.withLock { seen in
                        seen.append((try? result.get()) ?? -1)
                        return seen.count
                    }
                    if count == 100 { done.resume() }
                }
            }
        }
        #expect(seen.withLock { $0 } == Array(0..<100))
    }
}
