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
