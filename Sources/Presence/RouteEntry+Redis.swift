import MPIMCore
import MPIMServices
import RedisClient

/// How a route entry is stored in its user's `route:<uid>` hash.
extension RouteEntry {
    /// The hash value stored under the device: `<gateway> <since>`.
    var value: String { "\(gateway) \(since)" }

    init?(device: String, value: String) {
        let parts = value.split(separator: " ")
        guard parts.count == 2, let since = UnixMillis(parts[1]) else { return nil }
        self.init(device: device, gateway: String(parts[0]), since: since)
    }

    /// Route entries from an HGETALL-shaped reply.
    static func entries(_ reply: RESPValue) -> [RouteEntry] {
        let fields = reply.array ?? []
        return stride(from: 0, to: fields.count - 1, by: 2).compactMap { index in
            guard let device = fields[index].string, let value = fields[index + 1].string else { return nil }
            return RouteEntry(device: device, value: value)
        }
    }
}
