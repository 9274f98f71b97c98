import Logging
import ServicesRPC

/// A gateway's gRPC connections to the services processes its config names
/// (`[services] users`, `groups`): one per address, shared when both
/// services are in one process. Empty when both run in this process.
struct RemoteServiceConnections {
    /// Every connection, to run in the service group before their callers.
    let connections: [ServicesConnection]
    /// Where Users is, when not in this process.
    let users: ServicesConnection?
    /// Where Groups is, when not in this process.
    let groups: ServicesConnection?

    /// Whether every services process answers its health check (true when none).
    func allServing() async -> Bool {
        for connection in connections where await !connection.isServing() { return false }
        return true
    }

    init(_ placement: ServicesPlacement, logger: Logger) throws {
        var byAddress: [ServiceAddress: ServicesConnection] = [:]
        var ordered: [ServicesConnection] = []
        func connection(to address: ServiceAddress?) throws -> ServicesConnection? {
            guard let address else { return nil }
            if let existing = byAddress[address] { return existing }
            let connection = try ServicesConnection(
                address: address, configuration: .init(deadline: placement.deadline), logger: logger)
            byAddress[address] = connection
            ordered.append(connection)
            return connection
        }
        users = try connection(to: placement.users)
        groups = try connection(to: placement.groups)
        connections = ordered
        for connection in ordered {
            logger.info("calling services at \(connection.address)", metadata: [
                "services": "\([("users", users), ("groups", groups)].filter { $0.1 === connection }.map(\.0).joined(separator: ","))",
            ])
        }
    }
}
