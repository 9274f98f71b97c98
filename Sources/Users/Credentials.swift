import MPIMCore

/// The contract's rules for names and passwords (PROTOCOL.md, "Commands").
public enum Credentials {
    public static let maxUsernameLength = 32
    public static let maxPasswordBytes = 128

    /// 1–32 characters of `A-Z a-z 0-9 _ . -`.
    public static func isValidUsername(_ name: String) -> Bool {
        let bytes = name.utf8
        guard (1...maxUsernameLength).contains(bytes.count) else { return false }
        return bytes.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "-"):
                true
            default:
                false
            }
        }
    }

    /// 1–128 bytes without spaces.
    public static func isValidPassword(_ password: String) -> Bool {
        let bytes = password.utf8
        return (1...maxPasswordBytes).contains(bytes.count) && !bytes.contains(UInt8(ascii: " "))
    }
}
