import CollectorMocks
import CollectorValues
import Collectors
import Testing

@Suite("Dead-letter sinks")
struct DeadLetterSinkTests {
    @Test func inMemoryKeepsTheNewestUpToItsLimit() async {
        let sink = InMemoryDeadLetterSink(limit: 2)
        for r in records(3) { await sink.deadLetter(DeadLetter(record: r, error: permanent)) }
        #expect(sink.letters.map(\.record.value) == [1, 2])
        #expect(sink.discardedCount == 1)
    }

    @Test func backendSinkStoresLettersAndFallsBackWhenRefused() async throws {
        let backend = MockStorageBackend(id: "dlq", storeFailures: .onCall(2, .mockFailure(.storage)))
        try await backend.connect()
        let sink = BackendDeadLetterSink(backend: backend)
        let letters = records(2).map { DeadLetter(record: $0, error: permanent) }
        for letter in letters { await sink.deadLetter(letter) }
        #expect(backend.records == [letters[0].value])
        #expect(backend.records.first?["error"]?["message"] == "permanent")
        #expect(sink.fallback.letters == [letters[1]], "the refused letter is kept, not lost")
    }
}
