import Hummingbird
import MPIMCore

// What the endpoints answer, as Hummingbird encodes it (JSON through the
// request context's encoder). The wire names are the documented ones.

struct HealthBody: ResponseCodable, Equatable {
    var status: String
    var gateway: GatewayID
    var uptimeSeconds: Int64
    var version: String

    enum CodingKeys: String, CodingKey {
        case status, gateway, uptimeSeconds = "uptime_seconds", version
    }
}

struct SessionBody: ResponseCodable, Equatable {
    var uid: UserID
    var device: String
    var since: UnixMillis
    var status: String
    var remote: String

    init(_ session: OnlineSession) {
        uid = session.user
        device = session.device
        since = session.since
        status = session.status
        remote = session.remoteAddress
    }
}

struct KickedBody: ResponseCodable, Equatable {
    var kicked: Int
}

struct BroadcastBody: ResponseCodable, Equatable {
    var messageID: MessageID

    enum CodingKeys: String, CodingKey {
        case messageID = "msg_id"
    }
}

struct ErrorBody: ResponseCodable, Equatable {
    var error: String
}

/// `/admin/kick?uid=<id>[&device=<device>]`.
struct KickQuery: Decodable {
    var uid: UserID
    var device: String?
}
