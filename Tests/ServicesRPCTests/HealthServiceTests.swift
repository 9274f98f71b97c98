import GRPCCore
import ServiceFakes
import Testing
@testable import ServicesRPC

@Suite("gRPC health")
struct HealthServiceTests {
    @Test("the server and each service it runs are SERVING until shutdown starts; others are unknown")
    func statuses() {
        let health = HealthService(services: ["mpim.users.v1.Users"])
        #expect(health.status(of: "") == .serving)
        #expect(health.status(of: "mpim.users.v1.Users") == .serving)
        #expect(health.status(of: "mpim.groups.v1.Groups") == nil)
        health.stopServing()
        #expect(health.status(of: "") == .notServing)
    }

    @Test("over gRPC: Watch answers the status at once: SERVING for a service the process runs, SERVICE_UNKNOWN for another")
    func watch() async throws {
        try await withLoopbackServices(users: FakeUserService(), groups: FakeGroupService()) { services in
            let health = Grpc_Health_V1_Health.Client(wrapping: services.connection.client)
            /// The first status a watch of `service` writes; the call ends after it.
            func firstStatus(_ service: String) async throws -> Grpc_Health_V1_HealthCheckResponse.ServingStatus? {
                try await health.watch(.with { $0.service = service }) { response in
                    for try await message in response.messages { return message.status }
                    return nil
                }
            }
            let (known, unknown) = (try await firstStatus("mpim.users.v1.Users"), try await firstStatus("nope"))
            #expect(known == .serving && unknown == .serviceUnknown)
        }
    }

    @Test("watchers are told NOT_SERVING when serving stops, and their streams end")
    func watchersEnd() async {
        let health = HealthService(services: ["mpim.groups.v1.Groups"])
        let (known, unknown) = (health.watchStream("mpim.groups.v1.Groups"), health.watchStream("nope"))
        health.stopServing()
        var seen: [Grpc_Health_V1_HealthCheckResponse.ServingStatus] = []
        for await status in known { seen.append(status) }
        #expect(seen == [.serving, .notServing])
        seen = []
        for await status in unknown { seen.append(status) }
        #expect(seen == [.serviceUnknown])
    }

    @Test("over gRPC: Check answers SERVING, and NOT_FOUND for a service the process does not run")
    func check() async throws {
        try await withLoopbackServices(users: StalledUserService(), groups: FakeGroupService()) { services in
            let health = Grpc_Health_V1_Health.Client(wrapping: services.connection.client)
            let server = try await health.check(.with { $0.service = "" })
            let groups = try await health.check(.with { $0.service = "mpim.groups.v1.Groups" })
            #expect(server.status == .serving && groups.status == .serving)
            await #expect(throws: RPCError.self) { _ = try await health.check(.with { $0.service = "nope" }) }
        }
    }
}
