import Hummingbird
import HummingbirdWebSocket
import NIOCore

/// A request to the web listener; it keeps the connection's channel, which
/// the gateway takes on once the request upgrades to a WebSocket.
struct WebRequestContext: RequestContext, WebSocketRequestContext {
    var coreContext: CoreRequestContextStorage
    let webSocket: WebSocketHandlerReference<Self>
    let channel: any Channel

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        webSocket = .init()
        channel = source.channel
    }
}
