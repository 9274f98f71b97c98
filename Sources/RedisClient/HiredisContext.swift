import CHiredis
import Glibc

/// Owns one blocking `redisContext`. Not Sendable on purpose: only the thread that
/// created it may use it, because hiredis contexts are not thread-safe.
final class HiredisContext {
    private let context: UnsafeMutablePointer<redisContext>
    private var isClosed = false

    /// The socket, published so another thread can `shutdown(2)` it to unblock a read.
    var fileDescriptor: Int32 { context.pointee.fd }

    /// Connects (blocking for at most `timeout`); throws `.unavailable` with hiredis' reason.
    init(host: String, port: Int, timeout: Duration) throws(RedisError) {
        guard let context = redisConnectWithTimeout(host, Int32(port), timeval(timeout)) else {
            throw .unavailable("cannot allocate a hiredis context")
        }
        if context.pointee.err != 0 {
            let reason = Self.errorString(context)
            redisFree(context)
            throw .unavailable(reason)
        }
        self.context = context
    }

    /// Closes the socket and frees the context. Explicit, so the owner decides exactly when the
    /// fd goes away (it must first withdraw it from the thread that may `shutdown(2)` it).
    func close() {
        guard !isClosed else { return }
        isClosed = true
        redisFree(context)
    }

    deinit {
        close()
    }

    /// Sets the socket read/write timeout; `nil` means block forever.
    func setTimeout(_ timeout: Duration?) throws(RedisError) {
        let value = timeout.map { timeval($0) } ?? timeval(tv_sec: 0, tv_usec: 0)
        guard redisSetTimeout(context, value) == REDIS_OK else { throw currentError() }
    }

    /// Turns on TCP keepalive so a silently dead peer is noticed even when we only read.
    func enableKeepAlive() throws(RedisError) {
        guard redisEnableKeepAlive(context) == REDIS_OK else { throw currentError() }
    }

    /// Adds a command to the output buffer; nothing is sent until `reply()` is called.
    func append(_ arguments: [[UInt8]]) throws(RedisError) {
        let lengths = arguments.map(\.count)
        // All arguments in one buffer, so every pointer stays valid for the call; the extra
        // byte keeps the buffer non-empty (and its base address non-nil) for empty arguments.
        let joined: [UInt8] = Array(arguments.joined()) + [0]
        let status = joined.withUnsafeBufferPointer { buffer in
            let base = UnsafeRawPointer(buffer.baseAddress!).assumingMemoryBound(to: CChar.self)
            var offset = 0
            var argv: [UnsafePointer<CChar>?] = lengths.map { length in
                defer { offset += length }
                return base + offset
            }
            return redisAppendCommandArgv(context, Int32(arguments.count), &argv, lengths)
        }
        guard status == REDIS_OK else { throw currentError() }
    }

    /// Flushes the output buffer if needed and reads the next reply, copying it into a `RESPValue`.
    /// Throws `.timeout` when the socket timeout expired, `.unavailable` for any other I/O or protocol error;
    /// either way the context is unusable afterwards.
    func reply() throws(RedisError) -> RESPValue {
        var raw: UnsafeMutableRawPointer?
        let status = redisGetReply(context, &raw)
        let errorNumber = errno
        guard status == REDIS_OK, let raw else {
            let timedOut = context.pointee.err == REDIS_ERR_IO && (errorNumber == EAGAIN || errorNumber == EWOULDBLOCK)
            throw timedOut ? .timeout : currentError()
        }
        defer { freeReplyObject(raw) }
        return RESPValue(raw.assumingMemoryBound(to: redisReply.self))
    }

    private func currentError() -> RedisError {
        .unavailable(Self.errorString(context))
    }

    private static func errorString(_ context: UnsafeMutablePointer<redisContext>) -> String {
        withUnsafeBytes(of: context.pointee.errstr) { bytes in
            String(decoding: bytes.prefix(while: { $0 != 0 }), as: UTF8.self)
        }
    }
}

extension RESPValue {
    /// Copies a hiredis reply tree; the caller still frees it.
    init(_ reply: UnsafePointer<redisReply>) {
        let node = reply.pointee
        let bytes = node.str.map { Array(UnsafeRawBufferPointer(start: $0, count: node.len)) } ?? []
        switch node.type {
        case REDIS_REPLY_STRING: self = .bulkString(bytes)
        case REDIS_REPLY_STATUS: self = .simpleString(String(decoding: bytes, as: UTF8.self))
        case REDIS_REPLY_ERROR: self = .error(String(decoding: bytes, as: UTF8.self))
        case REDIS_REPLY_INTEGER: self = .integer(Int64(node.integer))
        case REDIS_REPLY_NIL: self = .null
        case REDIS_REPLY_ARRAY:
            self = .array((0..<node.elements).map { index in RESPValue(node.element[index]!) })
        default: self = .error("unsupported hiredis reply type \(node.type)")
        }
    }
}

extension timeval {
    init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        self.init(tv_sec: Int(seconds), tv_usec: Int(attoseconds / 1_000_000_000_000))
    }
}
