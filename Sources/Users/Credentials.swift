import MPIMCore

/// The contract's rules for names and passwords (PROTOCOL.md, "Commands").
public enum Credentials {
    public static let maxUsernameLength = 32
    public static let maxPasswordBytes = 128

    /// 1–32 characters of `A-Z a-z 0-9 _ . -`.
    public static func isValidUsername(_ name: String) -> Bool {
        NameCharacters.isValidName(name, maxLength: maxUsernameLength)
    }

    /// 1–128 bytes without spaces or NUL (bcrypt reads a password up to its
    /// first NUL: "a\0b" and "a\0c" would be the same password).
    public static func isValidPassword(_ password: String) -> Bool {
        let bytes = password.utf8
        return (1...maxPasswordBytes).contains(bytes.count) && !bytes.contains(UInt8(ascii: " ")) && !bytes.contains(0)
    }
}
