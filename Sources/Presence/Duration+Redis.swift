import WorkQueues

extension Duration {
    /// A Redis PX/PEXPIRE argument: whole milliseconds, at least 1.
    var pxMilliseconds: String {
        String(max(1, wholeMilliseconds))
    }
}
