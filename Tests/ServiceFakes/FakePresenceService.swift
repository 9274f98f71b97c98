import MPIMCore
import MPIMServices
import Synchronization

/// `PresenceService` and `DeliveryService` for one gateway and no Redis: it records the sessions
/// it is told of, keeps statuses in memory and hands every delivery, kick
/// and broadcast to the gateway's local sessions (`local`, set once the
/// gateway's session table exists).
public final class FakePresenceService: PresenceService, DeliveryService {
    private struct State {
        var started: [LiveRoute] = []
        var ended: [LiveRoute] = []
        var statuses: [UserID: PresenceStatus] = [:]
        var local: (any LocalDelivery)?
    }

    private let state = Mutex(State())

    public init() {}

    /// Where deliveries go: the gateway's session table.
    public var local: (any LocalDelivery)? {
        get { state.withLock { $0.local } }
        set { state.withLock { $0.local = newValue } }
    }

    /// Sessions started, in order.
    public var started: [LiveRoute] { state.withLock { $0.started } }
    /// Sessions ended, in order.
    public var ended: [LiveRoute] { state.withLock { $0.ended } }

    public func sessionStarted(_ session: LiveRoute, connection: ConnectionID) async {
        state.withLock { $0.started.append(session) }
    }

    public func sessionEnded(_ session: LiveRoute) async {
        state.withLock { $0.ended.append(session) }
    }

    public func refresh(_ session: LiveRoute) async {}

    public func setStatus(_ status: PresenceStatus, of user: UserID) async throws(MPIMError) {
        state.withLock { $0.statuses[user] = status }
    }

    public func statuses(of users: [UserID]) async throws(MPIMError) -> [PresenceStatus] {
        state.withLock { state in
            users.map { user in
                guard state.started.count(where: { $0.user == user }) > state.ended.count(where: { $0.user == user })
                else { return .offline }
                return (state.statuses[user] ?? .online).visible
            }
        }
    }

    public func kick(_ user: UserID, device: String?, reason: String) async throws(MPIMError) -> Int {
        local?.kick(user, device: device, reason: reason, sparing: nil)
        return 1
    }

    public func broadcast(_ push: Push) async throws(MPIMError) {
        local?.broadcast(push)
    }

    public func routes(of user: UserID) async throws(MPIMError) -> [RouteEntry] { [] }

    public func deliver(_ deliveries: [PushDelivery]) async {
        local?.deliver(deliveries)
    }

    public func post(_ deliveries: [PushDelivery]) {
        local?.deliver(deliveries)
    }
}
