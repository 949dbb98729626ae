import Collectors

/// A stream that asks `next` for each item only when its consumer asks for
/// one: nothing is read ahead or buffered, so a slow consumer slows the
/// source (backpressure), and whatever a source hands out has been taken.
/// `nil` ends the stream; an error ends it with that error.
package func pullStream(
    _ next: @escaping @Sendable () async throws -> CollectedData?
) -> AsyncThrowingStream<CollectedData, any Error> {
    AsyncThrowingStream(unfolding: next)
}

/// A source that only says what its next item is; `collect()` and
/// `stream()` follow from that, the same way for every such source.
protocol PullingSource: DataSource, Actor {
    /// The next item, or nil at the end of the data.
    func next() async throws -> CollectedData?
}

extension PullingSource {
    public func collect() async throws -> CollectedData {
        guard let item = try await next() else { throw SourceErrors.endOfData(id) }
        return item
    }

    public nonisolated func stream() -> AsyncThrowingStream<CollectedData, any Error> {
        pullStream { try await self.next() }
    }
}
