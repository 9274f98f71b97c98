import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads stdin on a thread of its own (a blocking read must not hold a
/// thread of the concurrency pool) and hands the bytes over as a stream.
/// A byte written to `wakeDescriptor` (by a signal handler) comes out as `.wake`.
final class StdinReader: Sendable {
    enum Chunk: Sendable {
        case bytes([UInt8])
        /// The terminal came back (SIGCONT) or changed size (SIGWINCH).
        case wake
    }

    let chunks: AsyncStream<Chunk>
    /// Write end of the wake pipe.
    let wakeDescriptor: Int32
    private let continuation: AsyncStream<Chunk>.Continuation

    init() {
        (chunks, continuation) = AsyncStream<Chunk>.makeStream()
        var ends: [Int32] = [-1, -1]
        if pipe(&ends) != 0 { ends = [-1, -1] }
        wakeDescriptor = ends[1]
        let wakeRead = ends[0]
        let continuation = self.continuation
        let thread = Thread {
            Self.readLoop(wake: wakeRead, into: continuation)
        }
        thread.name = "mpim-stdin"
        thread.start()
    }

    /// Ends `chunks` (the thread is left blocked in read; it ends with the process).
    func stop() {
        continuation.finish()
    }

    private static func readLoop(wake: Int32, into continuation: AsyncStream<Chunk>.Continuation) {
        var buffer = [UInt8](repeating: 0, count: 4096)
        var fds = [pollfd(fd: STDIN_FILENO, events: Int16(POLLIN), revents: 0),
                   pollfd(fd: wake, events: Int16(POLLIN), revents: 0)]
        while true {
            fds[0].revents = 0
            fds[1].revents = 0
            let ready = poll(&fds, nfds_t(wake >= 0 ? 2 : 1), -1)
            if ready < 0 {
                if errno == EINTR { continue }
                break
            }
            if fds[1].revents & Int16(POLLIN) != 0 {
                _ = read(wake, &buffer, buffer.count)
                continuation.yield(.wake)
            }
            if fds[0].revents != 0 {
                let count = read(STDIN_FILENO, &buffer, buffer.count)
                if count < 0 && errno == EINTR { continue }
                guard count > 0 else { break }
                continuation.yield(.bytes(Array(buffer[..<count])))
            }
        }
        continuation.finish()
    }
}
