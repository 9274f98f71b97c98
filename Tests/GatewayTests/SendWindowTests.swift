import Synchronization
import Testing
@testable import Gateway

@Suite("Send window")
struct SendWindowTests {
    final class Flag: Sendable {
        private let value = Mutex(false)
        func set() { value.withLock { $0 = true } }
        var isSet: Bool { value.withLock { $0 } }
    }

    @Test("a full window makes the next send wait until one is answered")
    func fullWindowWaits() async throws {
        let window = SendWindow(limit: 2)
        await window.acquire()
        await window.acquire()
        let third = Flag()
        let waiter = Task {
            await window.acquire()
            third.set()
        }
        try await Task.sleep(for: .milliseconds(50))
        #expect(!third.isSet, "the window is full")
        window.release()
        await waiter.value
        #expect(third.isSet)
    }

    @Test("tryAcquire takes a free place without waiting, and never jumps a send that waits")
    func tryAcquireTakesOnlyAFreePlace() async throws {
        let window = SendWindow(limit: 2)
        #expect(window.tryAcquire())
        #expect(window.tryAcquire())
        #expect(!window.tryAcquire(), "the window is full")
        let third = Flag()
        let waiter = Task {
            await window.acquire()
            third.set()
        }
        try await Task.sleep(for: .milliseconds(50))
        #expect(!window.tryAcquire(), "a send already waits for the next place")
        window.release()
        await waiter.value
        #expect(third.isSet, "the freed place went to the waiting send")
        #expect(!window.tryAcquire())
        window.release()
        #expect(window.tryAcquire())
    }

    @Test("idle waits for every send in flight and returns at once when there is none")
    func idleWaitsForAll() async throws {
        let window = SendWindow(limit: 8)
        await window.idle()
        await window.acquire()
        await window.acquire()
        let idle = Flag()
        let waiter = Task {
            await window.idle()
            idle.set()
        }
        window.release()
        try await Task.sleep(for: .milliseconds(50))
        #expect(!idle.isSet, "one send is still in flight")
        window.release()
        await waiter.value
        #expect(idle.isSet)
    }
}
