#if canImport(Glibc)
import Glibc
#endif
import Logging
import NIOCore
import NIOPosix
import Testing
@testable import Operations

@Suite("Operations server")
struct OperationsServerTests {
    private func listen(port: Int) async throws -> any Channel {
        try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .bind(host: "127.0.0.1", port: port).get()
    }

    @Test("a reservation holds its port (0 resolved to the one chosen) until it is released")
    func reservationHoldsThePort() async throws {
        let reservation = try await AddressReservation.bind(host: "127.0.0.1", port: 0,
                                                           group: MultiThreadedEventLoopGroup.singleton)
        #expect(reservation.port > 0)
        await #expect(throws: IOError.self) { _ = try await listen(port: reservation.port) }
        await reservation.release()
        let taker = try await listen(port: reservation.port)
        try await taker.close()
    }

    @Test("a port taken between release and Hummingbird's bind ends run() with a BindError naming it")
    func lateBindFailure() async throws {
        let reservation = try await AddressReservation.bind(host: "127.0.0.1", port: 0,
                                                           group: MultiThreadedEventLoopGroup.singleton)
        await reservation.release()
        let taker = try await listen(port: reservation.port)
        let server = OperationsServer(
            reservation: reservation, routes: OperationsRoutes(backend: RecordingBackend(), adminToken: nil, version: "x"),
            logger: Logger(label: "test"))
        do {
            try await server.run()
            Issue.record("run() returned although the port was taken")
        } catch let error as AddressReservation.BindError {
            #expect(error.host == "127.0.0.1" && error.port == reservation.port)
            #expect((error.cause as? IOError)?.errnoCode == EADDRINUSE, "\(error.cause)")
        }
        try await taker.close()
    }
}
