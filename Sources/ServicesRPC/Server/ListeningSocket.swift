#if canImport(Glibc)
import Glibc
#endif

/// A TCP socket bound and listening before anything else starts, so that a
/// services process whose port is taken fails at once with the address
/// named, and so that port 0's choice is known; the gRPC server takes the
/// descriptor over (`ServicesServer`).
public struct ListeningSocket: Sendable {
    public let descriptor: Int32
    public let host: String
    /// The bound port (the one chosen when 0 was asked).
    public let port: Int

    /// Binds `host` (an IPv4 or IPv6 address) and `port` and listens.
    public static func bind(host: String, port: Int) throws(ListeningSocketError) -> ListeningSocket {
        var storage = sockaddr_storage()
        let family: Int32
        let length: socklen_t
        if let v4 = ipv4(host, port) {
            family = AF_INET
            length = socklen_t(MemoryLayout<sockaddr_in>.size)
            withUnsafeMutableBytes(of: &storage) { $0.storeBytes(of: v4, as: sockaddr_in.self) }
        } else if let v6 = ipv6(host, port) {
            family = AF_INET6
            length = socklen_t(MemoryLayout<sockaddr_in6>.size)
            withUnsafeMutableBytes(of: &storage) { $0.storeBytes(of: v6, as: sockaddr_in6.self) }
        } else {
            throw ListeningSocketError(host: host, port: port, reason: "not an IP address")
        }
        let descriptor = socket(family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw .failed(host, port, "socket") }
        var one: Int32 = 1
        setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        let bound = withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.bind(descriptor, $0, length) }
        }
        guard bound == 0, listen(descriptor, 512) == 0 else {
            let error = ListeningSocketError.failed(host, port, nil)
            _ = Glibc.close(descriptor)
            throw error
        }
        var actual = sockaddr_storage()
        var actualLength = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = withUnsafeMutablePointer(to: &actual) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &actualLength) }
        }
        let chosen = withUnsafeBytes(of: &actual) { bytes in
            // sin_port and sin6_port sit at the same offset, in network order.
            Int(UInt16(bigEndian: bytes.load(fromByteOffset: 2, as: UInt16.self)))
        }
        return ListeningSocket(descriptor: descriptor, host: host, port: chosen)
    }

    /// Closes the socket (a daemon that failed to start before the server took it).
    public func close() {
        _ = Glibc.close(descriptor)
    }

    private static func ipv4(_ host: String, _ port: Int) -> sockaddr_in? {
        var address = sockaddr_in()
        guard inet_pton(AF_INET, host, &address.sin_addr) == 1 else { return nil }
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        return address
    }

    private static func ipv6(_ host: String, _ port: Int) -> sockaddr_in6? {
        var address = sockaddr_in6()
        guard inet_pton(AF_INET6, host, &address.sin6_addr) == 1 else { return nil }
        address.sin6_family = sa_family_t(AF_INET6)
        address.sin6_port = UInt16(port).bigEndian
        return address
    }
}

/// `services listener 127.0.0.1:7000: address already in use`.
public struct ListeningSocketError: Error, CustomStringConvertible {
    public var host: String
    public var port: Int
    public var reason: String

    static func failed(_ host: String, _ port: Int, _ call: String?) -> ListeningSocketError {
        let text = String(cString: strerror(errno))
        let reason = text.prefix(1).lowercased() + text.dropFirst()
        return ListeningSocketError(host: host, port: port, reason: call.map { "\($0): \(reason)" } ?? reason)
    }

    public var description: String {
        "services listener \(host.contains(":") ? "[\(host)]" : host):\(port): \(reason)"
    }
}
