import Foundation
import Synchronization
import Testing
import WorkQueues

@Suite("Batching thread")
struct BatchingThreadTests {
    /// Items a test thread processed, in order.
    final class Processed: Sendable {
        private let items = Mutex<[Int]>([])
        func append(_ new: [Int]) { items.withLock { $0.append(contentsOf: new) } }
        var all: [Int] { items.withLock { $0 } }
    }

    /// A thread that returns its items and records every item it processed.
    private func recordingThread(lazyDelay: Duration) -> (BatchingThread<Int, Int>, Processed) {
        let processed = Processed()
        let thread = BatchingThread<Int, Int>(name: "test-recording", lazyDelay: lazyDelay) { items in
            processed.append(items)
            return items
        }
        return (thread, processed)
    }

    @Test("submissions are batched, each gets its own output, completions in submission order")
    func batchingAndOrder() async throws {
        let batches = Mutex<[Int]>([])
        let thread = BatchingThread<Int, Int>(name: "test-batching", maxBatch: 16) { items in
            batches.withLock { $0.append(items.count) }
            usleep(500)
            return items.map { $0 * 2 }
        }
        defer { thread.stop() }
        let outputs = try await submitAll(0..<300, to: thread).map { try $0.get() }
        #expect(outputs == (0..<300).map { $0 * 2 })
        let sizes = batches.withLock { $0 }
        #expect(sizes.reduce(0, +) == 300)
        #expect(sizes.count < 300, "some submissions shared a batch")
        #expect(sizes.allSatisfy { $0 <= 16 })
    }

    @Test("the thread carries its name where the OS shows it, also when made from a Swift concurrency thread")
    func threadName() async throws {
        let thread = BatchingThread<Int, String>(name: "test-named-batch") { items in
            let comm = (try? String(contentsOfFile: "/proc/thread-self/comm", encoding: .utf8)) ?? "?"
            return items.map { _ in comm.trimmingCharacters(in: .whitespacesAndNewlines) }
        }
        defer { thread.stop() }
        let name = await withCheckedContinuation { (done: CheckedContinuation<String, Never>) in
            thread.submit(1) { done.resume(returning: (try? $0.get()) ?? "failed") }
        }
        #expect(name == "test-named-batc")
    }

    @Test("completions on a thread of their own while more waits: in submission order whichever thread runs them, overlapping the next batch; flush waits for them")
    func completionsOnOwnThread() async throws {
        let batchingThread = Mutex<String?>(nil)
        let overlapped = Mutex(false)
        let completing = Mutex(false)
        let thread = BatchingThread<Int, Int>(name: "test-batcher", maxBatch: 8, completions: .ownThread("test-completer")) {
            items in
            batchingThread.withLock { $0 = Thread.current.name }
            if completing.withLock({ $0 }) { overlapped.withLock { $0 = true } }
            usleep(2000)
            return items
        }
        defer { thread.stop() }
        let names = Mutex<[String]>([])
        let seen = Mutex<[Int]>([])
        for item in 0..<200 {
            thread.submit(item) { result in
                completing.withLock { $0 = true }
                names.withLock { $0.append(Thread.current.name ?? "?") }
                seen.withLock { $0.append(try! result.get()) }
                usleep(500)
                completing.withLock { $0 = false }
            }
        }
        await thread.flush()
        #expect(seen.withLock { $0 } == Array(0..<200), "every completion ran before flush returned, in order")
        #expect(Set(names.withLock { $0 }).isSubset(of: ["test-completer", "test-batcher"]))
        #expect(names.withLock { $0 }.filter { $0 == "test-completer" }.count > 100, "the completer ran most of them")
        #expect(batchingThread.withLock { $0 } == "test-batcher")
        #expect(overlapped.withLock { $0 }, "a batch ran while completions of an earlier one were running")
    }

    @Test("with a completer thread, a lone submission completes on the batching thread: nothing waits to overlap")
    func loneSubmissionCompletesInline() async throws {
        let thread = BatchingThread<Int, Int>(name: "test-lone", completions: .ownThread("test-lone-compl")) { $0 }
        defer { thread.stop() }
        for _ in 0..<3 {
            let name = await withCheckedContinuation { (done: CheckedContinuation<String, Never>) in
                thread.submit(1) { _ in done.resume(returning: Thread.current.name ?? "?") }
            }
            #expect(name == "test-lone")
        }
    }

    @Test("a failed batch fails every caller in it")
    func failure() async {
        struct Boom: Error {}
        let thread = BatchingThread<Int, Int>(name: "test-failure") { _ in throw Boom() }
        defer { thread.stop() }
        let outcomes = await submitAll(0..<5, to: thread)
        #expect(outcomes.allSatisfy { if case .failure(let error) = $0 { error is Boom } else { false } })
    }

    @Test("a lazy item waits for the next submission")
    func lazyItemRidesAlong() async throws {
        // A delay no test run reaches, so only the submission can run it.
        let (thread, processed) = recordingThread(lazyDelay: .seconds(60))
        defer { thread.stop() }
        thread.enqueueLazily(1)
        try await Task.sleep(for: .milliseconds(100))
        #expect(processed.all.isEmpty, "a lazy item alone does not run before its delay")
        _ = await submitAll(2..<3, to: thread)
        #expect(processed.all == [1, 2], "it goes with the next submission, in order")
    }

    @Test("a lazy item alone runs once its delay has passed")
    func lazyItemDelay() async throws {
        let (thread, processed) = recordingThread(lazyDelay: .milliseconds(300))
        defer { thread.stop() }
        let queued = ContinuousClock.now
        thread.enqueueLazily(3)
        while processed.all.isEmpty {
            try await Task.sleep(for: .milliseconds(10))
            try #require(ContinuousClock.now - queued < .seconds(10), "it ran at all")
        }
        #expect(ContinuousClock.now - queued >= .milliseconds(300), "not before its delay")
        #expect(processed.all == [3])
    }

    @Test("flush runs lazy items at once and returns when they are done")
    func flush() async {
        let (thread, processed) = recordingThread(lazyDelay: .seconds(60))
        defer { thread.stop() }
        for item in 0..<10 { thread.enqueueLazily(item) }
        await thread.flush()
        #expect(processed.all == Array(0..<10))
        await thread.flush()  // nothing pending: returns at once
    }

    @Test("after stop, queued items are still processed and new ones fail")
    func stop() async {
        let thread = BatchingThread<Int, Int>(name: "test-stop") { items in items }
        let before = await submitAll(0..<3, to: thread)
        #expect(before.allSatisfy { (try? $0.get()) != nil })
        thread.stop()
        let after = await submitAll(3..<4, to: thread)
        #expect(after.allSatisfy { if case .failure(let error) = $0 { error is BatchingThreadStopped } else { false } })
    }

    @Test("each batch's completions all run inside one call of the completion scope")
    func completionScope() async throws {
        final class Scope: Sendable {
            let calls = Mutex(0)
            let inside = Mutex(false)
        }
        let scope = Scope()
        let batches = Mutex(0)
        let outside = Mutex(0)
        let thread = BatchingThread<Int, Int>(
            name: "test-scope", maxBatch: 8,
            completionScope: { body in
                scope.calls.withLock { $0 += 1 }
                scope.inside.withLock { $0 = true }
                body()
                scope.inside.withLock { $0 = false }
            }
        ) { items in
            batches.withLock { $0 += 1 }
            usleep(200)
            return items
        }
        defer { thread.stop() }
        let seen = Mutex(0)
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            for item in 0..<50 {
                thread.submit(item) { _ in
                    if !scope.inside.withLock({ $0 }) { outside.withLock { $0 += 1 } }
                    if seen.withLock({ $0 += 1; return $0 }) == 50 { done.resume() }
                }
            }
        }
        #expect(outside.withLock { $0 } == 0, "no completion ran outside the scope")
        #expect(scope.calls.withLock { $0 } == batches.withLock { $0 }, "one scope per batch")
    }
}
