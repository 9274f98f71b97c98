import MPIMCore
import Testing
@testable import ServicesRPC

@Suite("MPIMError on the wire")
struct ServiceErrorCodingTests {
    @Test("every case comes back as itself; a kind this build does not know reads as internal")
    func roundTrip() throws {
        let all: [MPIMError] = [
            .noSuchUser, .noSuchGroup, .notMember, .authFailed, .authLocked, .userExists, .invalidUsername,
            .invalidPassword, .refused("cannot befriend yourself"), .internal("store unavailable"), .unavailable,
        ]
        for error in all {
            let wire = try Mpim_Services_V1_ServiceError(serializedBytes: Mpim_Services_V1_ServiceError(error).serializedBytes() as [UInt8])
            #expect(MPIMError(wire) == error)
        }
        var unknown = Mpim_Services_V1_ServiceError()
        unknown.kind = .UNRECOGNIZED(99)
        #expect(MPIMError(unknown) == .internal("unknown service error"))
        #expect(MPIMError(Mpim_Services_V1_ServiceError()) == .internal("unknown service error"))
    }

    @Test("a reply holding neither a result nor an error is an internal failure, never a success")
    func emptyReply() {
        #expect(throws: MPIMError.internal("empty service reply")) { try Mpim_Services_V1_ExistsReply().result.get() }
    }
}
