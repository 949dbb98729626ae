import Collectors

/// A source of the program's own, with no C library behind it: the JSON
/// objects `{"n": 1}` to `{"n": count}`, then the end.
struct NumbersSource: DataSource {
    let id: String
    let count: Int

    func connect() async throws {}
    func disconnect() async {}

    func collect() async throws -> CollectedData { item(1) }

    func stream() -> AsyncThrowingStream<CollectedData, any Error> {
        AsyncThrowingStream { continuation in
            for n in stride(from: 1, through: count, by: 1) { continuation.yield(item(n)) }
            continuation.finish()
        }
    }

    private func item(_ n: Int) -> CollectedData {
        CollectedData(sourceID: id, format: .json, method: CollectionMethod(rawValue: "numbers"), payload: Array("{\"n\":\(n)}".utf8))
    }
}
