import TestSupport
import Testing

extension LineClient {
    /// After an outage: sends probes with `send` (the probe's text in, its msg id out) until one
    /// is pushed to this client, for up to `within`. Returns every id sent and the `MSG`/`GMSG`
    /// pushes seen meanwhile; expects a probe to have arrived.
    func probeUntilPushed(within: Duration = .seconds(10), sourceLocation: SourceLocation = #_sourceLocation,
                          send: (String) async throws -> Int) async throws -> (sent: [Int], pushed: [String]) {
        var sent: [Int] = []
        var pushed: [String] = []
        var recovered = false
        let deadline = ContinuousClock.now + within
        var probe = 0
        while !recovered && ContinuousClock.now < deadline {
            probe += 1
            sent.append(try await send("probe \(probe)"))
            pushed += try await messagePushesNow(wait: .milliseconds(500))
            recovered = pushed.contains { field($0, "text") == "probe \(probe)" }
        }
        #expect(recovered, "[\(label)] no probe was pushed within \(within) of the outage ending; pushes seen: \(pushed)",
                sourceLocation: sourceLocation)
        return (sent, pushed)
    }

    /// Takes the pushes still arriving and a `PULL`, and expects every id in `sent` among them
    /// and the pushes, each exactly once.
    func expectDeliveredOnce(_ sent: [Int], pushedSoFar: [String],
                             sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let pushed = try await pushedSoFar + messagePushesNow(wait: .milliseconds(300))
        let pulled = try await pull()
        let delivered = (pushed + pulled).compactMap { intField($0, "id") }
        let missing = Set(sent).subtracting(delivered).sorted()
        #expect(missing.isEmpty, "[\(label)] every acknowledged message is pushed or pulled; missing \(missing)",
                sourceLocation: sourceLocation)
        #expect(delivered.count == Set(delivered).count,
                "[\(label)] nothing is delivered twice: pushed \(pushed), pulled \(pulled)", sourceLocation: sourceLocation)
    }
}
