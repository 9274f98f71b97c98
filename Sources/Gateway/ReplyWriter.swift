import MPIMCore
import NIOCore

/// Sends one connection's reply lines, in order. Data lines and their final
/// line go out as one buffer, so a PULL of hundreds of messages is one write,
/// not hundreds.
struct ReplyWriter: Sendable {
    let allocator: ByteBufferAllocator
    let send: @Sendable (ByteBuffer) async throws -> Void

    /// One line (the newline is added).
    func callAsFunction(_ line: String) async throws {
        try await send(allocator.buffer(string: line + "\n"))
    }

    /// Messages as `MSG`/`GMSG` data lines, then `final` if given.
    func messages(_ messages: [ChatMessage], then final: String? = nil) async throws {
        guard !messages.isEmpty || final != nil else { return }
        var buffer = allocator.buffer(capacity: messages.count * 96 + 64)
        for message in messages {
            buffer.writeString(Push.message(message).line)
            buffer.writeInteger(UInt8(ascii: "\n"))
        }
        if let final {
            buffer.writeString(final)
            buffer.writeInteger(UInt8(ascii: "\n"))
        }
        try await send(buffer)
    }
}
