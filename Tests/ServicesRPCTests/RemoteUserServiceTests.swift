import MPIMCore
import MPIMServices
import ServiceFakes
import ServicesRPC
import Testing

@Suite("Users over gRPC")
struct RemoteUserServiceTests {
    @Test("every method of UserService answers through the client what the service returned")
    func results() async throws {
        try await withLoopbackServices(users: FakeUserService(), groups: FakeGroupService()) { services in
            let users = services.users
            let ann = try await users.register(username: "ann", password: "pw")
            let bob = try await users.register(username: "bob", password: "pw2")
            #expect(try await users.login(username: "bob", password: "pw2") == bob)
            #expect(try await users.exists(ann))
            #expect(try await !users.exists(99))
            #expect(try await users.userID(named: "ann") == ann)
            #expect(try await users.names(of: [bob, ann, bob]) == ["bob", "ann", "bob"])
            #expect(try await users.names(of: []) == [])
            try await users.addFriend(bob, of: ann)
            #expect(try await users.friends(of: ann) == [bob])
            #expect(try await users.friends(of: bob) == [ann])
            try await users.removeFriend(bob, of: ann)
            #expect(try await users.friends(of: ann) == [])
        }
    }

    @Test("refusals come back as the same MPIMError, texts included")
    func refusals() async throws {
        let fake = FakeUserService()
        try await withLoopbackServices(users: fake, groups: FakeGroupService()) { services in
            let users = services.users
            let ann = try await users.register(username: "ann", password: "pw")
            #expect(await refusal { () async throws(MPIMError) in try await users.register(username: "ann", password: "x") } == .userExists)
            #expect(await refusal { () async throws(MPIMError) in try await users.login(username: "ann", password: "no") } == .authFailed)
            #expect(await refusal { () async throws(MPIMError) in try await users.userID(named: "zed") } == .noSuchUser)
            #expect(await refusal { () async throws(MPIMError) in try await users.names(of: [ann, 42]) } == .noSuchUser)
            #expect(await refusal { () async throws(MPIMError) in try await users.addFriend(ann, of: ann) }
                == .refused("cannot befriend yourself"))
            fake.failure = .internal("store unavailable")
            #expect(await refusal { () async throws(MPIMError) in try await users.exists(ann) } == .internal("store unavailable"))
            fake.failure = .authLocked
            #expect(await refusal { () async throws(MPIMError) in try await users.login(username: "ann", password: "pw") } == .authLocked)
        }
    }
}
