import ServicesRPC

/// Where Users and Groups run (`[services]`): in this process (the default),
/// in another process this gateway calls over gRPC, or — in a process told
/// to serve them — here alone, without a gateway.
public struct ServicesPlacement: Sendable {
    /// The services this process serves over gRPC instead of running a
    /// gateway (`serve`, `--serve users,groups`); empty: a gateway.
    public var serve: [ServedService] = []
    /// The gRPC listener's address when serving (`grpc_host`): an IP address.
    public var grpcHost = "127.0.0.1"
    /// Its port (`grpc_port`, `--grpc-port`); 0 picks a free one.
    public var grpcPort = 50051
    /// Where Users runs, when not in this process (`users`, `--users`).
    public var users: ServiceAddress?
    /// Where Groups runs, when not in this process (`groups`, `--groups`).
    public var groups: ServiceAddress?
    /// How long a call to a remote service may take before the command
    /// answers `-ERR unavailable` (`deadline_ms`).
    public var deadline: Duration = .seconds(2)

    public init() {}

    /// Whether this process is a services process rather than a gateway.
    public var isServicesProcess: Bool { !serve.isEmpty }
}

/// A service a services process can serve.
public enum ServedService: String, CaseIterable, Sendable {
    case users
    case groups
}
