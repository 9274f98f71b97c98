import NIOCore
import NIOPosix

/// Holds back the connection writes that one batch of work on a thread that
/// is not an event loop schedules (the message writer's completions: replies
/// and pushes), then hands them to each event loop in one task when the
/// batch ends.
///
/// Scheduling each connection's write on its own woke its event loop once
/// per connection, an `eventfd` write each, and on two cores the woken loop
/// often took the writer's core in the middle of the batch, to write one
/// connection and sleep again.
public enum ConnectionWriteBatch {
    /// The writers a batch scheduled, by event loop, and what waits for
    /// their writes; only its thread touches it.
    final class Scheduled: @unchecked Sendable {
        var loops: [(loop: any EventLoop, writers: [ConnectionWriter])] = []
        var afterWrites: [() -> Void] = []

        func add(_ writer: ConnectionWriter) {
            let loop = writer.channel.eventLoop
            if let index = loops.firstIndex(where: { $0.loop === loop }) {
                loops[index].writers.append(writer)
            } else {
                loops.append((loop, [writer]))
            }
        }
    }

    private static let current = ThreadSpecificVariable<Scheduled>()

    /// Runs `body`, then schedules the writes it asked for: one task per event loop.
    public static func collecting(_ body: () -> Void) {
        guard current.currentValue == nil else { return body() }
        let scheduled = Scheduled()
        current.currentValue = scheduled
        body()
        current.currentValue = nil
        for (loop, writers) in scheduled.loops {
            loop.execute {
                for writer in writers { writer.writePending() }
            }
        }
        scheduled.afterWrites.forEach { $0() }
    }

    /// Runs `action` once the writes scheduled so far on this thread are on
    /// their event loops' queues: at once outside a batch, else when it ends.
    /// What a connection writes straight to its channel after `action` (a
    /// reply that waited for its sends' replies) then follows those writes.
    static func afterScheduledWrites(_ action: @escaping () -> Void) {
        guard let scheduled = current.currentValue else { return action() }
        scheduled.afterWrites.append(action)
    }

    /// Takes `writer`'s scheduled write when a batch is collecting on this thread.
    static func take(_ writer: ConnectionWriter) -> Bool {
        guard let scheduled = current.currentValue else { return false }
        scheduled.add(writer)
        return true
    }
}
