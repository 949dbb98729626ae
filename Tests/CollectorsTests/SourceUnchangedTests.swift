import CollectorMocks
import CollectorValues
import Collectors
import Testing

/// Answers the first collection with an item, and every later one with
/// "nothing new" (what an HTTP API's 304 becomes).
private final class OnceThenUnchanged: DataSource {
    let id = "api"
    private let calls = Locked(0)

    func connect() async throws {}
    func disconnect() async {}
    func collect() async throws -> CollectedData {
        let call = calls.withLock { count in
            count += 1
            return count
        }
        guard call == 1 else { throw SourceUnchanged(sourceID: id, reason: "api has not changed") }
        return CollectedData(sourceID: id, format: .text, method: .mock, payload: Array("first".utf8))
    }
}

@Suite("A source with nothing new", .timeLimit(.minutes(1)))
struct SourceUnchangedTests {
    @Test func isCountedAsUnchangedNotAsAFailureAndTheSourceGoesOn() async throws {
        let queue = BoundedQueue<CollectedData>(capacity: 10)
        let handler = MockErrorHandler()
        let emitter = MockEventEmitter()
        let manager = CollectionManager(output: queue, errorHandler: handler, emitter: emitter)
        try await manager.register(OnceThenUnchanged(), mode: .interval(.zero, count: 3))
        await manager.run()
        queue.finish()
        var items: [String] = []
        for await item in queue { items.append(String(decoding: item.payload, as: UTF8.self)) }
        #expect(items == ["first"])
        let stats = await manager.statistics
        #expect(stats.collected == 1 && stats.unchanged == 2 && stats.failed == 0 && stats.retries == 0)
        #expect(handler.errors.isEmpty, "nothing new is not an error: \(handler.errors.map(\.message))")
        #expect(emitter.events(of: .collectionFailed).isEmpty)
        #expect(await manager.statuses == ["api": .completed])
    }
}
