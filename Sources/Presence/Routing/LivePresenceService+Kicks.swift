import MPIMCore
import MPIMServices
import RedisClient

/// Routes read, sessions kicked and notices sent wherever they are: the
/// routing service decides, the delivery agent carries.
extension LivePresenceService {
    public func routes(of user: UserID) async throws(MPIMError) -> [RouteEntry] {
        try await delivery.routes(of: [user])[user] ?? []
    }

    public func kick(_ user: UserID, device: String?, reason: String) async throws(MPIMError) -> Int {
        // Routes first: a kicked session unbinds its own route as it closes,
        // and the count is of the sessions this kick reached. Local sessions
        // go even if Redis cannot be read.
        let entries: [RouteEntry]
        do {
            entries = try await routes(of: user).filter { device == nil || $0.device == device }
        } catch {
            local.kick(user, device: device, reason: reason, sparing: nil)
            throw error
        }
        local.kick(user, device: device, reason: reason, sparing: nil)
        let remote = Set(entries.map(\.gateway)).subtracting([gatewayID])
        do {
            try await delivery.send([.kick(user: user, device: device ?? "*", reason: reason)], to: remote.sorted())
        } catch {
            throw .internal("redis unavailable")
        }
        return entries.count
    }

    public func broadcast(_ push: Push) async throws(MPIMError) {
        local.broadcast(push)
        do {
            let members = try await redis.command(["SMEMBERS", RedisKeys.gateways])
            let others = (members.array ?? []).compactMap(\.string).filter { $0 != gatewayID }
            try await delivery.send([.broadcast(push)], to: others)
        } catch {
            throw .internal("redis unavailable")
        }
    }
}
