import Collectors
import Foundation

/// A streaming source the test feeds: it has nothing until the test
/// `send`s an item, and ends when the test says so. For pipelines that must
/// sit idle, or receive an item exactly when the test wants (collect it
/// with `CollectionMode.stream`).
public final class MockFeedSource: DataSource {
    public let id: String
    private let items: AsyncThrowingStream<CollectedData, any Error>
    private let continuation: AsyncThrowingStream<CollectedData, any Error>.Continuation

    public init(id: String) {
        self.id = id
        (items, continuation) = AsyncThrowingStream.makeStream()
    }

    public func connect() async throws {}

    public func disconnect() async {}

    /// A feed only streams.
    public func collect() async throws -> CollectedData {
        throw ErrorInfo(
            .configuration, layer: .collection, operation: "collect", message: "source '\(id)' only streams",
            details: ["source_id": .string(id)])
    }

    /// The items sent, as they are sent; one stream per source.
    public func stream() -> AsyncThrowingStream<CollectedData, any Error> { items }

    /// Sends one item of JSON lines: one record per line, processed together.
    public func send(_ lines: String...) {
        continuation.yield(
            CollectedData(sourceID: id, format: .jsonLines, method: .mock, payload: Array(lines.joined(separator: "\n").utf8)))
    }

    /// Ends the stream: the pipeline drains and ends.
    public func end() { continuation.finish() }
}
