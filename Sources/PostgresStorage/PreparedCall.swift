import NIOCore
import PostgresNIO

/// A statement the message writer's connection prepares once, by name, and
/// then runs with only its arguments sent: the server neither parses nor
/// plans it again, nor describes its rows, on every batch.
public struct PreparedCall: Sendable {
    /// The statement, with `$1`… for its arguments; constant per call site.
    public var sql: String
    public var binds: [PostgresData]

    public init(sql: String, binds: [PostgresData]) {
        self.sql = sql
        self.binds = binds
    }
}

extension PostgresData {
    /// `value` in PostgreSQL's binary format, typed as its Swift type says.
    public init<Value: PostgresNonThrowingEncodable>(binary value: Value) {
        var buffer = ByteBuffer()
        value.encode(into: &buffer, context: .default)
        self.init(type: Value.psqlType, formatCode: .binary, value: buffer)
    }
}

extension PostgresRow {
    /// The cells of a row a `PreparedCall` answered, for `PostgresCell.decode`.
    /// Their bytes are in the binary format, which every Bind of PostgresNIO
    /// asks for, though the description of a statement prepared through
    /// `prepare(query:)` labels them text.
    public var preparedCallCells: [PostgresCell] {
        map { cell in
            var cell = cell
            cell.format = .binary
            return cell
        }
    }
}
