/// Anything records are collected from: an HTTP API, a stream, a file.
/// (Seed: `IDataSource`.)
public protocol DataSource: Sendable {
    /// Unique among the engine's sources. (Seed: `get_source_id()`.)
    var id: String { get }

    /// Opens what `collect` and `stream` need. Idempotent.
    func connect() async throws
    /// Releases everything; must be safe to call after a failed `connect` and twice.
    func disconnect() async

    /// Collects one item (one HTTP response, one file read).
    func collect() async throws -> CollectedData

    /// Items as they arrive, until the stream ends or the consumer stops iterating.
    /// (Seed: `collect_stream()`.) Sources that cannot stream keep the default,
    /// which fails with a `.configuration` error.
    func stream() -> AsyncThrowingStream<CollectedData, any Error>
}

extension DataSource {
    public func stream() -> AsyncThrowingStream<CollectedData, any Error> {
        let error = ErrorInfo(
            .configuration, layer: .collection, operation: "stream",
            message: "source '\(id)' does not support streaming", details: ["source_id": .string(id)])
        return AsyncThrowingStream { $0.finish(throwing: error) }
    }
}
