import MPIMCore
import MPIMServices
import Synchronization
import WorkQueues

/// What messaging must know of other services before it stores a message:
/// that its 1:1 recipient, or its group, exists. Asked through the Users
/// and Groups contracts, and kept once answered yes: accounts and groups
/// are never deleted. A send to a known recipient costs a set look-up, not
/// a call (Docs/ARCHITECTURE.md, "Facts of other services").
///
/// Membership is not asked here: a group's members are the memberships
/// Groups told Messaging of (`MessageMemberships`), which the store reads
/// in the batch's transaction.
public final class RecipientDirectory: Sendable {
    private let users: any UserService
    private let groups: any GroupService
    private let known = Mutex(Known())
    /// How long the writer waits for an answer before refusing the message.
    private let patience: Duration
    /// Known ids kept at most; past it the sets start over (each id is asked again once).
    private let capacity: Int

    private struct Known {
        var users: Set<UserID> = []
        var groups: Set<GroupID> = []
    }

    public init(users: any UserService, groups: any GroupService, patience: Duration = .seconds(5),
                capacity: Int = 1 << 20) {
        self.users = users
        self.groups = groups
        self.patience = patience
        self.capacity = capacity
    }

    /// The refusal of each message of `batch` (by index) whose recipient or
    /// group does not exist, or could not be asked about. Runs on the
    /// writer's own thread, which it blocks while it asks, and only for ids
    /// not known yet.
    func refusals(for batch: [OutgoingMessage]) -> [Int: MPIMError] {
        let (unknownUsers, unknownGroups) = unknown(in: batch)
        guard !unknownUsers.isEmpty || !unknownGroups.isEmpty else { return [:] }
        let answers = ask(users: unknownUsers, groups: unknownGroups)
        known.withLock { known in
            if known.users.count + known.groups.count > capacity { known = Known() }
            for case (let user, .success(true)) in answers.users { known.users.insert(user) }
            for case (let group, .success(true)) in answers.groups { known.groups.insert(group) }
        }
        var refusals: [Int: MPIMError] = [:]
        for (index, message) in batch.enumerated() {
            let answer = switch message.conversation {
            case .direct(let user): answers.users[user].map { Self.refusal($0, absent: .noSuchUser) } ?? nil
            case .group(let group): answers.groups[group].map { Self.refusal($0, absent: .noSuchGroup) } ?? nil
            }
            refusals[index] = answer
        }
        return refusals
    }

    /// Whether every recipient and group of `batch` is known to exist:
    /// `refusals(for:)` would answer none, without asking (or blocking).
    func knowsEveryRecipient(of batch: [OutgoingMessage]) -> Bool {
        let (users, groups) = unknown(in: batch)
        return users.isEmpty && groups.isEmpty
    }

    private func unknown(in batch: [OutgoingMessage]) -> (users: Set<UserID>, groups: Set<GroupID>) {
        known.withLock { known in
            var users: Set<UserID> = []
            var groups: Set<GroupID> = []
            for message in batch {
                switch message.conversation {
                case .direct(let user) where !known.users.contains(user): users.insert(user)
                case .group(let group) where !known.groups.contains(group): groups.insert(group)
                default: break
                }
            }
            return (users, groups)
        }
    }

    private static func refusal(_ answer: Result<Bool, MPIMError>, absent: MPIMError) -> MPIMError? {
        switch answer {
        case .success(true): nil
        case .success(false): absent
        case .failure(let error): error
        }
    }

    private struct Answers: Sendable {
        var users: [UserID: Result<Bool, MPIMError>] = [:]
        var groups: [GroupID: Result<Bool, MPIMError>] = [:]
    }

    /// Asks the services concurrently and waits here for every answer, or
    /// for `patience` (then the unanswered ids are refused as unavailable).
    private func ask(users unknownUsers: Set<UserID>, groups unknownGroups: Set<GroupID>) -> Answers {
        let result = ConditionLock<Answers?>(nil)
        let task = Task { [users, groups] in
            var answers = Answers()
            await withTaskGroup(of: (UserID?, GroupID?, Result<Bool, MPIMError>).self) { tasks in
                for user in unknownUsers {
                    tasks.addTask { (user, nil, await Self.answer { () async throws(MPIMError) in try await users.exists(user) }) }
                }
                for group in unknownGroups {
                    tasks.addTask { (nil, group, await Self.answer { () async throws(MPIMError) in try await groups.exists(group) }) }
                }
                for await (user, group, answer) in tasks {
                    if let user { answers.users[user] = answer }
                    if let group { answers.groups[group] = answer }
                }
            }
            result.withLockAndWake { $0 = answers }
        }
        if let answers = result.wait(until: .now + patience, { $0 }) { return answers }
        task.cancel()
        var timedOut = Answers()
        for user in unknownUsers { timedOut.users[user] = .failure(.internal("user lookup timed out")) }
        for group in unknownGroups { timedOut.groups[group] = .failure(.internal("group lookup timed out")) }
        return timedOut
    }

    private static func answer(_ question: () async throws(MPIMError) -> Bool) async -> Result<Bool, MPIMError> {
        do throws(MPIMError) {
            return .success(try await question())
        } catch {
            return .failure(error)
        }
    }
}
