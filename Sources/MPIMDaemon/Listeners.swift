#if canImport(Glibc)
import Glibc
#endif
import Gateway
import NIOCore
import NIOPosix
import Operations
import ServiceLifecycle

/// The daemon's two listening addresses, bound before anything else starts:
/// the gateway's socket, and the HTTP address held for Hummingbird (see
/// `AddressReservation`).
struct Listeners {
    let gateway: GatewayListener
    let http: AddressReservation
    /// The web listener's address, when it is on.
    let web: AddressReservation?

    /// Binds the gateway's address, then the HTTP one; on failure nothing
    /// stays bound and the error names the listener and the address.
    static func bind(_ configuration: DaemonConfiguration) async throws(ListenerError) -> Listeners {
        let group = MultiThreadedEventLoopGroup.singleton
        let gatewayAddress = Address(host: configuration.gateway.host, port: configuration.gateway.port)
        let gateway: GatewayListener
        do {
            gateway = try await GatewayListener.bind(configuration.gateway, group: group)
        } catch {
            throw ListenerError(listener: "gateway", address: gatewayAddress, cause: error)
        }
        let httpAddress = Address(host: configuration.httpHost ?? configuration.gateway.host, port: configuration.httpPort)
        let http: AddressReservation
        do {
            http = try await AddressReservation.bind(host: httpAddress.host, port: httpAddress.port, group: group)
        } catch {
            await gateway.close()
            throw ListenerError(listener: "http", address: httpAddress, cause: error)
        }
        guard let webPort = configuration.webPort else { return Listeners(gateway: gateway, http: http, web: nil) }
        let webAddress = Address(host: configuration.webHost ?? configuration.gateway.host, port: webPort)
        do {
            let web = try await AddressReservation.bind(host: webAddress.host, port: webAddress.port, group: group)
            return Listeners(gateway: gateway, http: http, web: web)
        } catch {
            await gateway.close()
            await http.release()
            throw ListenerError(listener: "web", address: webAddress, cause: error)
        }
    }

    /// Closes both (a daemon that failed to start).
    func close() async {
        await gateway.close()
        await http.release()
        await web?.release()
    }

    struct Address: CustomStringConvertible {
        var host: String
        var port: Int
        var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
    }
}

/// A Hummingbird listener (operations, web), a failure of Hummingbird's own
/// bind named the way a start-up one is: `http listener 127.0.0.1:8080:
/// address already in use`.
struct HTTPListenerService<Server: Service>: Service {
    let listener: String
    let server: Server

    func run() async throws {
        do {
            try await server.run()
        } catch let error as AddressReservation.BindError {
            throw ListenerError(listener: listener, address: Listeners.Address(host: error.host, port: error.port),
                                cause: error.cause)
        }
    }
}

/// A listener that could not be bound: `gateway listener 127.0.0.1:8000: address already in use`.
struct ListenerError: Error, CustomStringConvertible {
    var listener: String
    var address: Listeners.Address
    var reason: String

    init(listener: String, address: Listeners.Address, cause: any Error) {
        self.listener = listener
        self.address = address
        switch cause {
        case let error as IOError:
            let text = String(cString: strerror(error.errnoCode))
            reason = text.prefix(1).lowercased() + text.dropFirst()
        case let error as SocketAddressError.UnknownHost:
            reason = "cannot resolve \(error.host): \(error.errorDescription.lowercased())"
        case SocketAddressError.unknown(let host, _):
            reason = "cannot resolve \(host)"
        default:
            reason = "\(cause)"
        }
    }

    var description: String { "\(listener) listener \(address): \(reason)" }
}
