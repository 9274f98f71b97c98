import MPIMClient

// Usernames from the server: `USER` turns a typed name into a uid, `NAMES`
// turns the uids a line will show into names. Both are cached in the
// planner's directory for the whole run.
extension ChatController {
    /// Looks `name` up with `USER`; nil when found (and learned), else why not.
    func lookUp(_ name: String) async -> String? {
        let reply: ServerReply
        do {
            reply = try await session.request("USER \(name)")
        } catch {
            return (error as? MPIMClientError).map { $0 == .notConnected ? "not connected to \(server)" : $0.description }
                ?? "\(error)"
        }
        guard reply.isOK, let uid = reply.field("uid").flatMap({ Int64($0) }) else {
            return reply.text == "no such user" ? "no such user: \(name)" : renderer.serverError(reply.text)
        }
        planner.directory.learn(uid: uid, name: reply.field("name") ?? name)
        renderer.names = planner.directory.names
        return nil
    }

    /// Asks `NAMES` for the usernames of the uids not known yet, so that the
    /// lines shown next name them. Quietly leaves `user <uid>` where that
    /// fails (not logged in, an older server without `NAMES`).
    func learnNames(_ uids: [Int64]) async {
        guard planner.loggedIn, !namesUnsupported else { return }
        let unknown = planner.directory.unknown(among: uids)
        var start = 0
        while start < unknown.count {
            let batch = Array(unknown[start..<min(start + NameDirectory.namesPerRequest, unknown.count)])
            start += batch.count
            guard await askNames(batch) else { break }
        }
        renderer.names = planner.directory.names
    }

    /// One `NAMES`; a batch with an unknown uid in it is asked again one uid
    /// at a time, to tell which. False when asking further is pointless.
    private func askNames(_ batch: [Int64]) async -> Bool {
        guard let reply = try? await session.request("NAMES " + batch.map(String.init).joined(separator: " ")) else {
            return false
        }
        if reply.isOK {
            planner.directory.learn(namesReply: reply.text)
            return true
        }
        switch reply.text {
        case "no such user" where batch.count == 1:
            planner.directory.markMissing(batch[0])
            return true
        case "no such user":
            for uid in batch {
                guard await askNames([uid]) else { return false }
            }
            return true
        case "unknown cmd":
            namesUnsupported = true
            return false
        default:
            return false
        }
    }
}
