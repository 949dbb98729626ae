import Collectors

/// A stream that asks `next` for each item only when its consumer asks for
/// one: nothing is read ahead or buffered, so a slow consumer slows the
/// source (backpressure), and whatever a source hands out has been taken.
/// `nil` ends the stream; an error ends it with that error.
func pullStream(
    _ next: @escaping @Sendable () async throws -> CollectedData?
) -> AsyncThrowingStream<CollectedData, any Error> {
    AsyncThrowingStream(unfolding: next)
}
