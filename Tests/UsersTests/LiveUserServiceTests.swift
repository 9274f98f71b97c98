import Cache
import Foundation
import Logging
import MPIMCore
import NIOPosix
import Storage
import Testing
@testable import Users
import UsersSQLite

@Suite("User service")
struct LiveUserServiceTests {
    private func makeService(failures: Int = 5) async throws -> LiveUserService<ContinuousClock> {
        return LiveUserService(
            store: try await temporaryUserStore(), cache: DisabledCache(), hashingPool: .singleton,
            configuration: .init(bcryptCost: 4, throttle: .init(failures: failures)),
            clock: ContinuousClock(), logger: Logger(label: "test"))
    }

    @Test("register then login with the same password gives the same uid")
    func registerLogin() async throws {
        let users = try await makeService()
        let id = try await users.register(username: "alice", password: "secret")
        #expect(try await users.login(username: "alice", password: "secret") == id)
        #expect(try await users.exists(id))
        #expect(try await !users.exists(id + 100))
    }

    @Test("wrong password and unknown user both fail as authFailed")
    func failures() async throws {
        let users = try await makeService()
        _ = try await users.register(username: "bob", password: "right")
        await #expect(throws: MPIMError.authFailed) { try await users.login(username: "bob", password: "wrong") }
        await #expect(throws: MPIMError.authFailed) { try await users.login(username: "nobody", password: "x") }
    }

    @Test("a password with NUL is refused at REGISTER, and what follows a NUL never logs in")
    func nulInPasswords() async throws {
        let users = try await makeService()
        await #expect(throws: MPIMError.invalidPassword) { try await users.register(username: "nul1", password: "a\u{0}b") }
        _ = try await users.register(username: "nul2", password: "ab")
        await #expect(throws: MPIMError.authFailed) { try await users.login(username: "nul2", password: "ab\u{0}zz") }
        #expect(try await users.login(username: "nul2", password: "ab") > 0)
    }

    @Test("duplicate and malformed registrations are refused")
    func registrationErrors() async throws {
        let users = try await makeService()
        _ = try await users.register(username: "carol", password: "pw")
        await #expect(throws: MPIMError.userExists) { try await users.register(username: "carol", password: "pw2") }
        await #expect(throws: MPIMError.invalidUsername) { try await users.register(username: "bad name!", password: "pw") }
        await #expect(throws: MPIMError.invalidPassword) {
            try await users.register(username: "dave", password: String(repeating: "x", count: 129))
        }
    }

    @Test("after a successful login the right password still works and a wrong one still fails and counts")
    func rememberedLogin() async throws {
        let users = try await makeService(failures: 2)
        let id = try await users.register(username: "gina", password: "right")
        #expect(try await users.login(username: "gina", password: "right") == id)
        #expect(try await users.login(username: "gina", password: "right") == id, "the remembered login")
        for _ in 0..<2 {
            await #expect(throws: MPIMError.authFailed) { try await users.login(username: "gina", password: "wrong") }
        }
        await #expect(throws: MPIMError.authLocked) { try await users.login(username: "gina", password: "right") }
    }

    @Test("repeated failures lock the name even for the right password")
    func lockout() async throws {
        let users = try await makeService(failures: 3)
        _ = try await users.register(username: "erin", password: "right")
        for _ in 0..<3 {
            await #expect(throws: MPIMError.authFailed) { try await users.login(username: "erin", password: "wrong") }
        }
        await #expect(throws: MPIMError.authLocked) { try await users.login(username: "erin", password: "right") }
    }

    @Test("passwords are stored hashed, not in clear")
    func hashed() async throws {
        let store = try await temporaryUserStore()
        let users = LiveUserService(store: store, cache: DisabledCache(), hashingPool: .singleton,
                                    configuration: .init(bcryptCost: 4), clock: ContinuousClock(), logger: Logger(label: "test"))
        _ = try await users.register(username: "frank", password: "plaintext")
        let stored = try #require(try await store.user(named: "frank"))
        #expect(stored.passwordHash != "plaintext")
        #expect(stored.passwordHash.hasPrefix("$2"))
    }
}
