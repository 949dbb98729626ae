import Collectors

/// A source of the program's own: `count` items, one every `interval`, each
/// the JSON object `{"tick": n}`. Scripts create it as `source.ticker { ... }`.
struct TickerSource: DataSource {
    let id: String
    let count: Int
    let interval: Duration

    func connect() async throws {}
    func disconnect() async {}

    /// One item now (what `src:collect()` in a script returns).
    func collect() async throws -> CollectedData { item(1) }

    /// How pipelines collect it (the `.stream` mode): the items as they come, then the end.
    func stream() -> AsyncThrowingStream<CollectedData, any Error> {
        AsyncThrowingStream { continuation in
            let task = Task {
                for n in stride(from: 1, through: count, by: 1) {
                    // Cancelled when the pipeline stops: end the stream there.
                    guard (try? await Task.sleep(for: interval)) != nil else { break }
                    continuation.yield(item(n))
                }
                continuation.finish()
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    private func item(_ n: Int) -> CollectedData {
        CollectedData(
            sourceID: id, format: .json, method: CollectionMethod(rawValue: "ticker"), payload: Array("{\"tick\":\(n)}".utf8))
    }
}
