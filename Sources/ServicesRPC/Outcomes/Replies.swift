import MPIMCore
import MPIMServices

// How each reply message holds its method's value. Every one is the same
// three lines over a different generated type: the generated messages share
// no protocol for their `outcome` oneof, so each states its own cases. The
// replies both services give (done, exists, ids) are declared once, in
// mpim/services/v1/outcome.proto.

extension Mpim_Users_V1_UserReply: ServiceReply {
    init(value: UserID) { self.init(); user = value }
    init(error: Mpim_Services_V1_ServiceError) { self.init(); self.error = error }
    var outcomeResult: Result<UserID, MPIMError>? {
        switch outcome {
        case .user(let user): .success(user)
        case .error(let error): .failure(MPIMError(error))
        case nil: nil
        }
    }
}

extension Mpim_Users_V1_NamesReply: ServiceReply {
    init(value: [String]) { self.init(); names = .with { $0.names = value } }
    init(error: Mpim_Services_V1_ServiceError) { self.init(); self.error = error }
    var outcomeResult: Result<[String], MPIMError>? {
        switch outcome {
        case .names(let names): .success(names.names)
        case .error(let error): .failure(MPIMError(error))
        case nil: nil
        }
    }
}

extension Mpim_Groups_V1_GroupReply: ServiceReply {
    init(value: GroupID) { self.init(); group = value }
    init(error: Mpim_Services_V1_ServiceError) { self.init(); self.error = error }
    var outcomeResult: Result<GroupID, MPIMError>? {
        switch outcome {
        case .group(let group): .success(group)
        case .error(let error): .failure(MPIMError(error))
        case nil: nil
        }
    }
}

extension Mpim_Services_V1_ExistsReply: ServiceReply {
    init(value: Bool) { self.init(); exists = value }
    init(error: Mpim_Services_V1_ServiceError) { self.init(); self.error = error }
    var outcomeResult: Result<Bool, MPIMError>? {
        switch outcome {
        case .exists(let exists): .success(exists)
        case .error(let error): .failure(MPIMError(error))
        case nil: nil
        }
    }
}

extension Mpim_Services_V1_IDsReply: ServiceReply {
    init(value: [Int64]) { self.init(); ids = .with { $0.ids = value } }
    init(error: Mpim_Services_V1_ServiceError) { self.init(); self.error = error }
    var outcomeResult: Result<[Int64], MPIMError>? {
        switch outcome {
        case .ids(let ids): .success(ids.ids)
        case .error(let error): .failure(MPIMError(error))
        case nil: nil
        }
    }
}

extension Mpim_Groups_V1_SummaryReply: ServiceReply {
    init(value: GroupSummary) {
        self.init()
        summary = .with {
            $0.id = value.id
            $0.name = value.name
            $0.description_p = value.description
            $0.creator = value.creator
            $0.createdAt = value.createdAt
            $0.memberCount = Int64(value.memberCount)
        }
    }
    init(error: Mpim_Services_V1_ServiceError) { self.init(); self.error = error }
    var outcomeResult: Result<GroupSummary, MPIMError>? {
        switch outcome {
        case .summary(let summary):
            .success(GroupSummary(id: summary.id, name: summary.name, description: summary.description_p,
                                  creator: summary.creator, createdAt: summary.createdAt,
                                  memberCount: Int(summary.memberCount)))
        case .error(let error): .failure(MPIMError(error))
        case nil: nil
        }
    }
}

extension Mpim_Services_V1_DoneReply: ServiceReply {
    init(value: Void) { self.init(); done = .init() }
    init(error: Mpim_Services_V1_ServiceError) { self.init(); self.error = error }
    var outcomeResult: Result<Void, MPIMError>? {
        switch outcome {
        case .done: .success(())
        case .error(let error): .failure(MPIMError(error))
        case nil: nil
        }
    }
}
