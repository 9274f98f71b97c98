import PostgresNIO

/// What went wrong with PostgreSQL, in words fit for a log line.
///
/// `PSQLError`'s own description hides everything on purpose; this tells the
/// server's message and SQLSTATE, or the connection's failure, and never a
/// password (postgres-nio keeps it in no error).
enum PostgresFailure {
    static func describe(_ error: any Error) -> String {
        guard let error = error as? PSQLError else { return "\(error)" }
        if let message = error.serverInfo?[.message] {
            let state = error.serverInfo?[.sqlState].map { " (SQLSTATE \($0))" } ?? ""
            return message + state
        }
        if let underlying = error.underlying {
            return "\(error.code): \(underlying)"
        }
        return "\(error.code)"
    }
}

extension PostgresFailure {
    /// Whether the error says the server could not be reached (no answer in
    /// time, no connection), rather than that it answered with an error.
    static func isUnreachable(_ error: any Error) -> Bool {
        if error is DeadlineExceeded { return true }
        guard let error = error as? PSQLError else { return false }
        return [.connectionError, .serverClosedConnection, .uncleanShutdown].contains(error.code)
    }
}

extension Error {
    /// Whether PostgreSQL refused a row because a unique index holds its key already.
    public var isUniqueViolation: Bool {
        (self as? PSQLError)?.serverInfo?[.sqlState] == "23505"
    }
}

/// A store call's query failed; the reason is `PostgresFailure`'s.
public struct PostgresQueryError: Error, CustomStringConvertible {
    public var description: String
}

/// The database could not be opened: where (without the password) and why.
public struct PostgresOpenError: Error, CustomStringConvertible {
    public var url: String
    public var reason: String
    public var description: String { "cannot open the PostgreSQL database \(url): \(reason)" }
}
