import MPIMCore
import MPIMServices

/// How a route entry is stored in its user's `route:<uid>` hash.
extension RouteEntry {
    /// The hash value stored under the device: `<gateway> <since>`.
    var value: String { "\(gateway) \(since)" }

    init?(device: String, value: String) {
        let parts = value.split(separator: " ")
        guard parts.count == 2, let since = UnixMillis(parts[1]) else { return nil }
        self.init(device: device, gateway: String(parts[0]), since: since)
    }
}
