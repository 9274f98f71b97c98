import NIOCore

/// The `key=value` fields of a reply or push line (PROTOCOL.md "Replies"):
/// `+OK uid=7`, `MSG id=1 from=2 ts=3 text=hi  there`.
///
/// Words are separated by spaces; a key's value is that of the first word
/// starting with `key=`, up to the next space. A free-text field runs to the
/// end of the line instead, spaces and `=` included, so nothing after it is a
/// field: a message whose text reads `id=9` does not change the line's `id`.
/// The search works on bytes, so a value comes back byte for byte (NUL, tabs,
/// any UTF-8) and only byte 0x20 separates words.
public enum LineField {
    /// Keys whose value is free text (`<text>` in PROTOCOL.md): `text=` of MSG,
    /// GMSG and SENT, `reason=` of KICKED, `description=` of GROUPINFO.
    public static let freeTextKeys = ["text", "reason", "description"]

    private static let freeTextKeyBytes = freeTextKeys.map { Array($0.utf8) }
    private static let space = UInt8(ascii: " ")
    private static let equals = UInt8(ascii: "=")

    /// Where `key`'s value lies in `line`, as byte offsets into it; nil when the line has no such field.
    public static func valueRange(of key: UnsafeRawBufferPointer, in line: UnsafeRawBufferPointer) -> Range<Int>? {
        var start = 0
        while start < line.count {
            if line[start] == space {
                start += 1
                continue
            }
            let isFreeText = freeTextKeyBytes.contains { word(at: start, in: line, hasKey: $0) }
            let end = isFreeText ? line.count : (line[start...].firstIndex(of: space) ?? line.count)
            if word(at: start, in: line, hasKey: key) {
                return (start + key.count + 1)..<end
            }
            if isFreeText { return nil }
            start = end
        }
        return nil
    }

    /// Whether the word at `start` begins with `key=`.
    private static func word(at start: Int, in line: UnsafeRawBufferPointer, hasKey key: some Collection<UInt8>) -> Bool {
        let equalsIndex = start + key.count
        return equalsIndex < line.count && line[equalsIndex] == equals
            && line[start..<equalsIndex].elementsEqual(key)
    }
}

/// `key`'s value in a reply or push line, byte for byte; nil when it has none.
/// `field("MSG id=7 from=3 ts=1 text=a  b", "text") == "a  b"`.
public func field(_ line: String, _ key: String) -> String? {
    var line = line
    var key = key
    return line.withUTF8 { lineBytes in
        let range = key.withUTF8 { keyBytes in
            LineField.valueRange(of: UnsafeRawBufferPointer(keyBytes), in: UnsafeRawBufferPointer(lineBytes))
        }
        return range.map { String(decoding: UnsafeBufferPointer(rebasing: lineBytes[$0]), as: UTF8.self) }
    }
}

/// `field` read as an integer; nil when the field is missing or not a number.
public func intField(_ line: String, _ key: String) -> Int? {
    field(line, key).flatMap { Int($0) }
}

/// `key`'s value in a line as the decoder hands it over: a slice of the line's
/// storage, nothing copied (what the bench reads on its hot path).
public func field(_ line: ByteBuffer, _ key: String) -> ByteBuffer? {
    var key = key
    let range = line.withUnsafeReadableBytes { lineBytes in
        key.withUTF8 { LineField.valueRange(of: UnsafeRawBufferPointer($0), in: lineBytes) }
    }
    return range.flatMap { line.getSlice(at: line.readerIndex + $0.lowerBound, length: $0.count) }
}
