import NIOSSL
import PostgresNIO

/// The parts of `postgres://user[:password]@host[:port]/database[?sslmode=…]`.
struct PostgresURL: Equatable {
    enum SSLMode: String {
        case disable, prefer, require
    }

    var user: String
    var password: String?
    var host: String
    var port: Int
    var database: String
    var sslMode: SSLMode

    init(_ url: String) throws(PostgresURLError) {
        guard let schemeEnd = url.range(of: "://"),
              ["postgres", "postgresql"].contains(url[..<schemeEnd.lowerBound])
        else { throw .init(reason: "must start with postgres://") }
        var rest = url[schemeEnd.upperBound...]
        var query = Substring("")
        if let mark = rest.firstIndex(of: "?") {
            query = rest[rest.index(after: mark)...]
            rest = rest[..<mark]
        }
        guard let at = rest.lastIndex(of: "@") else { throw .init(reason: "names no user (user@host)") }
        let credentials = rest[..<at]
        let location = rest[rest.index(after: at)...]
        guard let slash = location.firstIndex(of: "/") else { throw .init(reason: "names no database (host/database)") }
        let userPart: Substring
        if let colon = credentials.firstIndex(of: ":") {
            userPart = credentials[..<colon]
            password = try Self.decoded(credentials[credentials.index(after: colon)...], "password")
        } else {
            userPart = credentials
            password = nil
        }
        user = try Self.decoded(userPart, "user")
        database = try Self.decoded(location[location.index(after: slash)...], "database")
        let hostPort = location[..<slash]
        if let colon = hostPort.lastIndex(of: ":"), !hostPort.hasSuffix("]") {
            host = String(hostPort[..<colon])
            guard let port = Int(hostPort[hostPort.index(after: colon)...]), (1...65535).contains(port) else {
                throw .init(reason: "port must be 1–65535")
            }
            self.port = port
        } else {
            host = String(hostPort)
            port = 5432
        }
        host = host.trimmingBrackets
        guard !user.isEmpty, !host.isEmpty, !database.isEmpty else {
            throw .init(reason: "needs a user, a host and a database")
        }
        sslMode = .disable
        for parameter in query.split(separator: "&") {
            let pair = parameter.split(separator: "=", maxSplits: 1).map(String.init)
            guard pair.count == 2, pair[0] == "sslmode" else {
                throw .init(reason: "unknown parameter '\(pair[0])' (only sslmode)")
            }
            guard let mode = SSLMode(rawValue: pair[1]) else {
                throw .init(reason: "sslmode must be disable, prefer or require")
            }
            sslMode = mode
        }
    }

    /// The URL with the password (if any) written as `***`.
    var redacted: String {
        "postgres://\(user)\(password == nil ? "" : ":***")@\(host):\(port)/\(database)"
            + (sslMode == .disable ? "" : "?sslmode=\(sslMode.rawValue)")
    }

    /// Percent-decodes one part; a bad escape is named by the part, never shown.
    private static func decoded(_ part: Substring, _ name: String) throws(PostgresURLError) -> String {
        var bytes: [UInt8] = []
        var index = part.utf8.startIndex
        let utf8 = part.utf8
        while index < utf8.endIndex {
            let byte = utf8[index]
            if byte == UInt8(ascii: "%") {
                let high = utf8.index(after: index)
                guard high < utf8.endIndex, utf8.index(after: high) < utf8.endIndex,
                      let value = UInt8(String(part[high...].prefix(2)), radix: 16)
                else { throw .init(reason: "the \(name) has a bad %-escape") }
                bytes.append(value)
                index = utf8.index(high, offsetBy: 2)
            } else {
                bytes.append(byte)
                index = utf8.index(after: index)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

extension PostgresURL.SSLMode {
    var clientTLS: PostgresClient.Configuration.TLS {
        switch self {
        case .disable: .disable
        case .prefer: .prefer(.makeClientConfiguration())
        case .require: .require(.makeClientConfiguration())
        }
    }

    func connectionTLS() throws(PostgresURLError) -> PostgresConnection.Configuration.TLS {
        do {
            switch self {
            case .disable: return .disable
            case .prefer: return .prefer(try NIOSSLContext(configuration: .makeClientConfiguration()))
            case .require: return .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
            }
        } catch {
            throw .init(reason: "cannot set up TLS: \(error)")
        }
    }
}

extension String {
    /// An IPv6 address without the brackets a URL writes it in.
    fileprivate var trimmingBrackets: String {
        hasPrefix("[") && hasSuffix("]") ? String(dropFirst().dropLast()) : self
    }
}

/// A PostgreSQL URL that cannot be used; the reason never quotes the password.
public struct PostgresURLError: Error, Equatable, CustomStringConvertible {
    public var reason: String
    public var description: String { "invalid PostgreSQL URL: \(reason)" }
}
