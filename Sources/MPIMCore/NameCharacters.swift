/// The characters of usernames and device names: `A-Z a-z 0-9 _ . -`.
public enum NameCharacters {
    public static func contains(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "-"):
            true
        default:
            false
        }
    }

    /// 1...`maxLength` bytes, all of them name characters.
    public static func isValidName(_ name: String, maxLength: Int) -> Bool {
        (1...maxLength).contains(name.utf8.count) && name.utf8.allSatisfy(contains)
    }
}
