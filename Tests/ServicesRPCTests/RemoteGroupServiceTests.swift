import MPIMCore
import MPIMServices
import ServiceFakes
import ServicesRPC
import Testing

@Suite("Groups over gRPC")
struct RemoteGroupServiceTests {
    @Test("every method of GroupService answers through the client what the service returned")
    func results() async throws {
        try await withLoopbackServices(users: FakeUserService(), groups: FakeGroupService()) { services in
            let groups = services.groups
            let group = try await groups.create(name: "team", description: "the team, with spaces", creator: 7)
            try await groups.join(group, user: 8)
            try await groups.join(group, user: 8)
            #expect(try await groups.exists(group))
            #expect(try await !groups.exists(group + 1))
            #expect(try await groups.members(of: group) == [7, 8])
            #expect(try await groups.groups(of: 8) == [group])
            let summary = try await groups.summary(of: group)
            #expect(summary.id == group && summary.name == "team" && summary.description == "the team, with spaces")
            #expect(summary.creator == 7 && summary.memberCount == 2 && summary.createdAt > 0)
            try await groups.leave(group, user: 8)
            #expect(try await groups.members(of: group) == [7])
        }
    }

    @Test("Messaging is told of each membership change as in process: a create or join after it is stored, a leave before")
    func membershipTold() async throws {
        let fake = FakeGroupService()
        try await withLoopbackServices(users: FakeUserService(), groups: fake) { services in
            let groups = services.groups
            let group = try await groups.create(name: "g", description: "", creator: 1)
            try await groups.join(group, user: 2)
            #expect(services.memberships.events == [.joined(1, group), .joined(2, group)])
            try await groups.leave(group, user: 2)
            #expect(services.memberships.events.last == .leaving(2, group))
            #expect(fake.memberList(group) == [1])
            // Refused changes are not told, except a leave of a non-member,
            // which is told (LiveGroupService tells it too) and then refused.
            #expect(await refusal { () async throws(MPIMError) in try await groups.join(99, user: 2) } == .noSuchGroup)
            #expect(await refusal { () async throws(MPIMError) in try await groups.leave(99, user: 2) } == .noSuchGroup)
            #expect(services.memberships.events.count == 3)
            #expect(await refusal { () async throws(MPIMError) in try await groups.leave(group, user: 5) } == .notMember)
            #expect(services.memberships.events.last == .leaving(5, group))
            #expect(await refusal { () async throws(MPIMError) in try await groups.members(of: 99) } == .noSuchGroup)
            #expect(await refusal { () async throws(MPIMError) in try await groups.members(of: group, asSeenBy: 5) } == .notMember)
        }
    }
}
