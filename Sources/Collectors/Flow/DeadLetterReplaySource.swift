/// Feeds the records of a dead-letter file to a pipeline again, each as it
/// was (see `CollectedData.replayed`); its stream ends after the last one.
public struct DeadLetterReplaySource: DataSource {
    public let id: String
    private let entries: [DeadLetterFile.Entry]

    /// - Parameter id: the source's own id (the records keep theirs).
    public init(id: String = "dead_letters", file: DeadLetterFile) {
        self.id = id
        entries = file.entries
    }

    public func connect() async throws {}
    public func disconnect() async {}

    public func collect() async throws -> CollectedData {
        throw ErrorInfo(
            .configuration, layer: .collection, operation: "collect",
            message: "source '\(id)' replays dead letters as a stream", details: ["source_id": .string(id)])
    }

    public func stream() -> AsyncThrowingStream<CollectedData, any Error> {
        let entries = self.entries
        return AsyncThrowingStream { continuation in
            for entry in entries {
                let record = entry.record
                continuation.yield(
                    CollectedData(
                        sourceID: record.sourceID, timestamp: record.collectedAt, format: .json,
                        method: .deadLetterReplay, payload: [], replayed: record))
            }
            continuation.finish()
        }
    }
}

extension CollectionMethod {
    /// Records replayed from a dead-letter file.
    public static let deadLetterReplay = CollectionMethod(rawValue: "dead_letter_replay")
}
