#!/usr/bin/env python3
"""Splits an mpimd profile by what each sample was doing, per message.

Reads `perf script` output (samples with call stacks, `perf record -g`) on
stdin; the argument is the daemon's CPU per message in microseconds, which
each category gets its share of. A sample goes to the first category of its
thread (the message writer, its completer, an event loop, anything else)
whose pattern matches a frame of its stack; a sample whose innermost frame
is in SQLite's library counts as SQLite (that library has no frame
pointers, so its stacks stop there).

    perf script -i perf.data | scripts/perf-per-message.py 109.5
"""
import collections
import re
import sys

CATEGORIES = [
    ("writer", "SQLite transaction (GRDB, the store, delivery cursors)",
     r"MessagingSQLite|GRDB|sqlite3|pwrite|fdatasync"),
    ("writer", "recipient check (RecipientDirectory)", r"RecipientDirectory"),
    ("writer", "waiting and waking (BatchingThread, futex)", r"BatchingThread|ConditionLock|futex"),
    ("completer", "posting pushes and replies to the event loops",
     r"GatewayDeliveryAgent|SessionRegistry|ConnectionWriter|LiveMessageService|MessageWriterC5store_10completion"),
    ("completer", "waiting and waking (SerialThread, futex)", r"SerialThread|ConditionLock|futex"),
    ("loop", "reading and parsing commands", r"LineDecoder|LineCodec|decode|channelRead|readFromSocket|readable"),
    ("loop", "writing to sockets", r"flushNow|writeToSocket|writev|sendmsg|PendingWrites|ConnectionWriter"),
    ("loop", "sessions and command handling", r"Gateway|Session"),
    ("loop", "wake-ups (epoll, eventfd, scheduling)",
     r"epoll|eventfd|whenReady|_blockingWaitForWork|schedule|runOneLoopTick"),
]
PATTERNS = [(thread, name, re.compile(pattern)) for thread, name, pattern in CATEGORIES]


def thread_kind(comm):
    if comm.startswith("mpim-writer"):
        return "writer"
    if comm.startswith("mpim-completer"):
        return "completer"
    if comm.startswith("NIO-"):
        return "loop"
    return "other"


def samples(lines):
    """(thread name, frames, innermost frame's library) per sample."""
    comm, frames, library = None, [], None
    for line in lines:
        if not line.strip():
            continue
        if not line[0].isspace():
            if comm is not None:
                yield comm, frames, library
            comm, frames, library = line.split()[0], [], None
            continue
        parts = line.split()
        if len(parts) >= 2:
            frames.append(parts[1])
            if library is None:
                library = parts[-1]
    if comm is not None:
        yield comm, frames, library


def category(comm, frames, library):
    kind = thread_kind(comm)
    stack = " ".join(frames) + (" sqlite3" if library and "libsqlite3" in library else "")
    for thread, name, pattern in PATTERNS:
        if thread == kind and pattern.search(stack):
            return f"{kind}: {name}"
    return f"{kind}: other (runtime, allocation, kernel)"


def main():
    per_message = float(sys.argv[1]) if len(sys.argv) > 1 else 0.0
    counts = collections.Counter(category(*sample) for sample in samples(sys.stdin))
    total = sum(counts.values())
    if total == 0:
        sys.exit("no samples")
    for name, count in sorted(counts.items()):
        print(f"{name:64s} {100 * count / total:5.1f}%  {per_message * count / total:6.1f} us")


if __name__ == "__main__":
    main()
