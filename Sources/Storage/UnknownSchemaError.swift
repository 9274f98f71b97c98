/// The file holds schema steps this build does not know, so its tables are
/// not the ones this code reads: it was made by a development build from
/// before the v1 schema (whose steps were folded into v1 before the first
/// release), or by a newer mpimd. No migration runs on it.
public struct UnknownSchemaError: Error, Equatable, CustomStringConvertible {
    /// The unknown steps, sorted.
    public var unknown: [String]
    /// Whether the file holds this build's first step: then it is a newer
    /// mpimd's file; else a development build's.
    public var holdsV1: Bool

    /// Read after "cannot open the database <path>: " at start.
    public var description: String {
        let steps = unknown.map { "'\($0)'" }.joined(separator: ", ")
        return holdsV1
            ? "it was made by a newer mpimd (schema steps \(steps) are unknown to this one); "
                + "run that version, or move the file away to start with an empty database"
            : "it was made by a development build of mpimd before the v1 schema (schema steps \(steps)); "
                + "this version cannot read it: move the file away to start with an empty database"
    }
}

extension UnknownSchemaError {
    /// nil when every applied step is known.
    init?(applied: Set<String>, known: [String]) {
        let unknown = applied.subtracting(known).sorted()
        guard !unknown.isEmpty else { return nil }
        self.init(unknown: unknown, holdsV1: known.first.map(applied.contains) ?? false)
    }
}
