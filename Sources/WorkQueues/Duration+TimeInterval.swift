extension Duration {
    /// Seconds as a `Double`, for Foundation and GRDB APIs that take a `TimeInterval`.
    public var timeInterval: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
