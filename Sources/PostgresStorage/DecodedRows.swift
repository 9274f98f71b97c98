import PostgresNIO

extension AsyncThrowingMapSequence where Base == PostgresRowSequence {
    /// Every decoded row, in order (`PostgresRowSequence.collect()` for
    /// `decode(_:)`'s sequence).
    public func collect() async throws -> [Element] {
        var elements: [Element] = []
        for try await element in self {
            elements.append(element)
        }
        return elements
    }
}
