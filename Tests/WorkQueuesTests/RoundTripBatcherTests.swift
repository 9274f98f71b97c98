import Foundation
import Synchronization
import Testing
import WorkQueues

@Suite("Round-trip batcher")
struct RoundTripBatcherTests {
    /// What a test batcher's operation saw: batch sizes, and the most batches out at once.
    final class Calls: Sendable {
        private let state = Mutex<(sizes: [Int], out: Int, mostOut: Int)>(([], 0, 0))
        func started(_ count: Int) {
            state.withLock { state in
                state.sizes.append(count)
                state.out += 1
                state.mostOut = max(state.mostOut, state.out)
            }
        }
        func answered() { state.withLock { $0.out -= 1 } }
        var sizes: [Int] { state.withLock { $0.sizes } }
        var mostOut: Int { state.withLock { $0.mostOut } }
    }

    /// An operation that answers each batch from a new thread after `delay`, doubling every item.
    private func answeringLater(_ calls: Calls, delay: Duration) -> RoundTripBatcher<Int, Int>.Operation {
        { items, answer in
            calls.started(items.count)
            Thread.detachNewThread {
                Thread.sleep(forTimeInterval: Double(delay.components.attoseconds) / 1e18)
                calls.answered()
                answer(.success(items.map { $0 * 2 }))
            }
        }
    }

    @Test("items submitted while a batch is out go together in the next; outputs in submission order")
    func batchingAndOrder() async throws {
        let calls = Calls()
        let batcher = RoundTripBatcher<Int, Int>(maxBatch: 16, operation: answeringLater(calls, delay: .microseconds(300)))
        let outputs = try await submitAll(0..<300, to: batcher).map { try $0.get() }
        #expect(outputs == (0..<300).map { $0 * 2 })
        #expect(calls.sizes.reduce(0, +) == 300)
        #expect(calls.sizes.count < 300, "some submissions shared a batch")
        #expect(calls.sizes.allSatisfy { $0 <= 16 })
        #expect(calls.mostOut == 1, "one batch out at a time")
    }

    @Test("completions keep batch order when each answer comes on another thread at once",
          arguments: [BatchCompletions.inline, .ownThread("test-completer")])
    func orderAcrossAnsweringThreads(completions: BatchCompletions) async throws {
        let calls = Calls()
        let batcher = RoundTripBatcher<Int, Int>(
            maxBatch: 3, completions: completions, operation: answeringLater(calls, delay: .zero))
        for _ in 0..<20 {
            let outputs = try await submitAll(0..<200, to: batcher).map { try $0.get() }
            #expect(outputs == (0..<200).map { $0 * 2 })
        }
    }

    @Test("answers given inside the operation call: every item completes, in order, without recursion")
    func inlineAnswers() async throws {
        let calls = Calls()
        let batcher = RoundTripBatcher<Int, Int>(maxBatch: 1) { items, answer in
            calls.started(items.count)
            calls.answered()
            answer(.success(items))
        }
        // Submitted from one completion each: every submission arrives while
        // the batch before it is being answered, inside its operation call.
        let count = 20_000
        let seen = Mutex<[Int]>([])
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            @Sendable func submit(_ item: Int) {
                batcher.submit(item) { result in
                    let total = seen.withLock { seen in
                        seen.append((try? result.get()) ?? -1)
                        return seen.count
                    }
                    if item + 1 < count { submit(item + 1) }
                    if total == count { done.resume() }
                }
            }
            // On a thread of its own: the whole chain runs inside this call.
            Thread.detachNewThread { submit(0) }
        }
        #expect(seen.withLock { $0 } == Array(0..<count))
    }

    @Test("a failed round trip fails its batch's items only")
    func failure() async throws {
        struct Refused: Error {}
        let batches = Mutex(0)
        let batcher = RoundTripBatcher<Int, Int> { items, answer in
            let first = batches.withLock { count in
                defer { count += 1 }
                return count == 0
            }
            Thread.detachNewThread {
                Thread.sleep(forTimeInterval: 0.01)
                answer(first ? .failure(Refused()) : .success(items))
            }
        }
        let first = await submitAll(0..<1, to: batcher)
        #expect(throws: Refused.self) { try first[0].get() }
        let later = try await submitAll(1..<50, to: batcher).map { try $0.get() }
        #expect(later == Array(1..<50))
    }

    @Test("flush waits for what was submitted; after stop, submissions fail and queued ones still complete")
    func flushAndStop() async throws {
        let calls = Calls()
        let batcher = RoundTripBatcher<Int, Int>(operation: answeringLater(calls, delay: .milliseconds(20)))
        let completed = Mutex(0)
        for item in 0..<10 {
            batcher.submit(item) { _ in completed.withLock { $0 += 1 } }
        }
        batcher.stop()
        let refused = Mutex<(any Error)?>(nil)
        batcher.submit(10) { result in
            if case .failure(let error) = result { refused.withLock { $0 = error } }
        }
        #expect(refused.withLock { $0 } is BatchingThreadStopped)
        await batcher.flush()
        #expect(completed.withLock { $0 } == 10)
    }
}
