import Foundation
import Hummingbird

/// The request context of the operations routes: Hummingbird's basic one
/// with JSON written as operators read it.
public struct OperationsRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
    }

    /// Keys sorted: Foundation's encoder otherwise writes them in hash
    /// order, which changes from one process to the next. Slashes as they
    /// are: it writes `/` as `\/` unless told otherwise, and every remote
    /// address in `/admin/online` has one.
    public var responseEncoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }
}
