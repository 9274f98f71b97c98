import GRPCCore
import GRPCNIOTransportHTTP2Posix
import Logging
import MPIMCore
import ServiceLifecycle
import Synchronization

/// One gRPC connection to a services process (`mpimd --serve …`), shared by
/// the remote services that live there, with the rules every call follows:
/// a deadline, and no waiting for a connection that is down, so a command
/// that needs the process answers `-ERR unavailable` at once (or at the
/// deadline) instead of hanging. The transport reconnects on its own, with
/// a short backoff, so the gateway works again as soon as the process is
/// back, without a restart.
///
/// A `Service`: run it in the daemon's group before the services that call
/// through it, so that it stops after them.
public final class ServicesConnection: Service, Sendable {
    public struct Configuration: Sendable {
        /// How long one call may take, waiting for a connection included,
        /// before it fails as `.unavailable` (`[services] deadline_ms`).
        public var deadline: Duration
        /// The longest pause between two connection attempts while the
        /// process is unreachable: at most this long after it is back, calls
        /// go through again.
        public var maxReconnectDelay: Duration

        public init(deadline: Duration = .seconds(2), maxReconnectDelay: Duration = .seconds(1)) {
            self.deadline = deadline
            self.maxReconnectDelay = maxReconnectDelay
        }
    }

    public let address: ServiceAddress
    let client: GRPCClient<HTTP2ClientTransport.Posix>
    private let options: CallOptions
    private let logger: Logger
    /// Failed calls are logged at most once a second, with how many failed since.
    private let failures = Mutex(RateLimitLog<ContinuousClock.Instant>(interval: .seconds(1)))

    public init(address: ServiceAddress, configuration: Configuration = .init(), logger: Logger) throws {
        self.address = address
        self.logger = logger
        let target: any ResolvableTarget =
            if address.isIPv6 { .ipv6(host: address.host, port: address.port) }
            else if address.isIPv4 { .ipv4(host: address.host, port: address.port) }
            else { .dns(host: address.host, port: address.port) }
        let transport = try HTTP2ClientTransport.Posix(
            target: target, transportSecurity: .plaintext,
            config: .defaults { config in
                config.backoff = .init(initial: .milliseconds(100), max: configuration.maxReconnectDelay,
                                       multiplier: 1.6, jitter: 0.2)
                // A peer that vanishes without closing (a host cut off) is
                // noticed within time + timeout, not only call by call.
                config.connection.keepalive = .init(time: .seconds(10), timeout: .seconds(5), allowWithoutCalls: true)
            })
        client = GRPCClient(transport: transport)
        var options = CallOptions.defaults
        options.timeout = configuration.deadline
        // Fail at once while the connection is down rather than queue until the deadline.
        options.waitForReady = false
        self.options = options
    }

    public func run() async throws {
        try await withGracefulShutdownHandler {
            try await self.client.runConnections()
        } onGracefulShutdown: {
            self.client.beginGracefulShutdown()
        }
    }

    /// Makes one call with the connection's options and returns the reply's
    /// value or throws its refusal; a call that failed as a call (no
    /// connection, the deadline passed, the connection stopping) throws
    /// `.unavailable`.
    func call<Reply: ServiceReply>(_ method: String, _ body: (CallOptions) async throws -> Reply)
        async throws(MPIMError) -> Reply.Value
    {
        let reply: Reply
        do {
            reply = try await body(options)
        } catch {
            let failure = Self.failure(error)
            logFailure(method, error)
            throw failure
        }
        return try reply.result.get()
    }

    /// Whether the services process answers its health check with SERVING
    /// within the deadline (the gateway's `/healthz`).
    public func isServing() async -> Bool {
        let health = Grpc_Health_V1_Health.Client(wrapping: client)
        do {
            return try await health.check(Grpc_Health_V1_HealthCheckRequest(), options: options).status == .serving
        } catch {
            return false
        }
    }

    /// What the caller sees of a call that failed: the service did not answer
    /// (`.unavailable`), or answered something other than a reply, which is a
    /// fault of ours, not of availability (`.internal`).
    static func failure(_ error: any Error) -> MPIMError {
        guard let error = error as? RPCError else {
            // The client stopped (shutdown) or the task was cancelled: no answer.
            return .unavailable
        }
        switch error.code {
        case .unavailable, .deadlineExceeded, .cancelled, .aborted, .resourceExhausted:
            return .unavailable
        default:
            return .internal("service call failed")
        }
    }

    private func logFailure(_ method: String, _ error: any Error) {
        let now = ContinuousClock.now
        guard let count = failures.withLock({ $0.occurred(now: now) }) else { return }
        logger.warning("service call failed", metadata: [
            "service": "\(address)", "method": "\(method)", "error": "\(error)", "failures": "\(count)",
        ])
    }
}
