import Logging
import MPIMCore
import Synchronization

/// Turns bus payloads into envelopes, on the subscriber thread (pub/sub) or
/// the stream consumer's task. A payload this build cannot read (another
/// version, bytes that do not parse, a batch holding anything invalid) is
/// counted (`mpim_bus_payloads_dropped_total`), logged at most once per
/// `warningInterval` with how many were dropped since the last line, and
/// dropped: whatever another process publishes, a gateway carries on.
final class BusReader: Sendable {
    /// At most one warning about dropped payloads this often.
    static let warningInterval = Duration.seconds(60)

    private struct State {
        var log: RateLimitLog<ContinuousClock.Instant>
        var dropped: [String: Int] = [:]
    }

    private let state: Mutex<State>
    private let logger: Logger
    private let now: @Sendable () -> ContinuousClock.Instant

    /// - Parameter now: the clock the warnings are spaced by (tests move it by hand).
    init(logger: Logger, warningInterval: Duration = BusReader.warningInterval,
         now: @escaping @Sendable () -> ContinuousClock.Instant = { ContinuousClock.now }) {
        self.state = Mutex(State(log: RateLimitLog(interval: warningInterval)))
        self.logger = logger
        self.now = now
    }

    /// The envelopes of `payload`, in order; nil when it was dropped.
    /// `source` names the path in the log line (`pubsub`, `stream`).
    func envelopes(in payload: [UInt8], source: String) -> [GatewayEnvelope]? {
        do {
            return try GatewayEnvelope.envelopes(in: payload)
        } catch {
            drop(error, bytes: payload.count, source: source)
            return nil
        }
    }

    /// Payloads dropped so far, by reason (`version`, `malformed`).
    var dropped: [String: Int] { state.withLock { $0.dropped } }

    private func drop(_ error: BusPayloadError, bytes: Int, source: String) {
        PresenceMetrics.droppedPayload(reason: error.reason)
        let unreported = state.withLock { state in
            state.dropped[error.reason, default: 0] += 1
            return state.log.occurred(now: now())
        }
        guard let unreported else { return }
        let detail: String = switch error {
        case .version(let version): "version \(version); this build reads \(GatewayEnvelope.busVersion)"
        case .malformed(let reason): reason
        }
        logger.warning("dropped unreadable bus payloads", metadata: [
            "dropped": "\(unreported)", "reason": "\(error.reason)", "error": "\(detail)", "bytes": "\(bytes)",
            "source": "\(source)",
        ])
    }
}
