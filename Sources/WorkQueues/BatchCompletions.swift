/// Where a batching stage runs its batches' completions.
public enum BatchCompletions: Sendable {
    /// On the stage's thread (a `BatchingThread`'s, before its next batch
    /// starts; a `RoundTripBatcher`'s answering thread).
    case inline
    /// On a thread of their own, named so, in order.
    case ownThread(String)
}
