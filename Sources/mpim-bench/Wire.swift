import MPIMLineCodec
import NIOCore

/// The bits of the MPIM line protocol the bench reads and writes.
enum Wire {
    /// What a gateway answers a line over its per-connection rate.
    static let rateLimitedReply = "-ERR rate limited"

    /// The integer of `key=<n>` in an `+OK` reply.
    static func okInt(_ key: String, in line: String) -> Int? {
        guard line.hasPrefix("+OK") else { return nil }
        return intField(line, key)
    }

    /// The send time the bench put at the start of a `MSG`/`GMSG` push's text, or nil
    /// for any other line (PRESENCE, KICKED, a message that is not the bench's).
    static func stamp(inPush line: ByteBuffer) -> UInt64? {
        let bytes = line.readableBytesView
        guard bytes.starts(with: "MSG ".utf8) || bytes.starts(with: "GMSG ".utf8) else { return nil }
        guard let text = field(line, "text") else { return nil }
        var value: UInt64 = 0
        var digits = 0
        for byte in text.readableBytesView {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9"), digits < 19 else { break }
            value = value * 10 + UInt64(byte - UInt8(ascii: "0"))
            digits += 1
        }
        return digits > 0 ? value : nil
    }

    /// Appends `value` in decimal without going through a String.
    static func writeDecimal(_ value: UInt64, to buffer: inout ByteBuffer) {
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                      UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        withUnsafeMutableBytes(of: &digits) { scratch in
            var rest = value
            var start = scratch.count
            repeat {
                start -= 1
                scratch[start] = UInt8(ascii: "0") + UInt8(rest % 10)
                rest /= 10
            } while rest > 0
            buffer.writeBytes(UnsafeRawBufferPointer(rebasing: scratch[start...]))
        }
    }

    /// Digits of `value` in decimal.
    static func decimalCount(_ value: UInt64) -> Int {
        var count = 1
        var rest = value / 10
        while rest > 0 {
            count += 1
            rest /= 10
        }
        return count
    }
}

/// One kind of command line a sender repeats: `<prefix><stamp> xxx…\n`, the text
/// `payload` bytes long (never shorter than the stamp), or a line without a
/// stamp (`PING\n`, `HISTORY <peer> 0 <limit>\n`).
struct CommandTemplate: Sendable {
    let prefix: [UInt8]
    /// Bytes of message text; 0 writes no text (PING).
    let payload: Int

    static func send(to uid: Int, payload: Int) -> CommandTemplate {
        CommandTemplate(prefix: Array("SEND \(uid) ".utf8), payload: payload)
    }

    static func sendGroup(_ gid: Int, payload: Int) -> CommandTemplate {
        CommandTemplate(prefix: Array("SENDGROUP \(gid) ".utf8), payload: payload)
    }

    static let ping = CommandTemplate(prefix: Array("PING".utf8), payload: 0)

    /// `HISTORY <peer> 0 <limit>`: the latest `limit` messages of a conversation
    /// (a before id of 0 is none; with one number after the peer, it would be the before id).
    static func history(with peer: Int, limit: Int) -> CommandTemplate {
        CommandTemplate(prefix: Array("HISTORY \(peer) 0 \(limit)".utf8), payload: 0)
    }

    func line(stamp: UInt64, allocator: ByteBufferAllocator) -> ByteBuffer {
        var buffer = allocator.buffer(capacity: prefix.count + max(payload, 20) + 1)
        write(stamp: stamp, to: &buffer)
        return buffer
    }

    func write(stamp: UInt64, to buffer: inout ByteBuffer) {
        buffer.writeBytes(prefix)
        if payload > 0 {
            Wire.writeDecimal(stamp, to: &buffer)
            let padding = payload - Wire.decimalCount(stamp) - 1
            if padding > 0 {
                buffer.writeInteger(UInt8(ascii: " "))
                buffer.writeRepeatingByte(UInt8(ascii: "x"), count: padding)
            }
        }
        buffer.writeInteger(UInt8(ascii: "\n"))
    }
}
