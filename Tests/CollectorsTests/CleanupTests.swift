import CollectorMocks
import CollectorValues
import Collectors
import Testing

// The time limit only guards against a hang (a lost wake-up); no test measures speed.
@Suite("Guaranteed cleanup", .timeLimit(.minutes(1)))
struct CleanupTests {
    @Test func disconnectsAfterSuccess() async throws {
        let source = MockDataSource(id: "a", texts: ["x"])
        let payload = try await withConnected(source) { try await $0.collect().payload }
        #expect(payload == Array("x".utf8))
        #expect(source.calls == ["connect", "collect", "disconnect"])
        #expect(!source.isConnected)
    }

    @Test func disconnectsAfterAnError() async throws {
        let source = MockDataSource(id: "a", texts: ["x"], collectFailures: .always(permanent))
        await #expect(throws: ErrorInfo.self) { try await withConnected(source) { try await $0.collect() } }
        #expect(source.calls == ["connect", "collect", "disconnect"])
    }

    @Test func disconnectsAfterAFailedConnect() async throws {
        let backend = MockStorageBackend(connectFailures: .always(permanent))
        let ran = Collector<Bool>()
        await #expect(throws: ErrorInfo.self) {
            try await withConnected(backend) { _ in ran.append(true) }
        }
        #expect(ran.values.isEmpty)
        #expect(backend.calls == ["connect", "disconnect"])
    }

    @Test func disconnectsWhenCancelled() async throws {
        let gate = TestGate()
        let source = MockDataSource(id: "a", texts: ["x"], collectDelay: .gate(gate))
        let task = Task { try await withConnected(source) { try await $0.collect() } }
        await gate.waitForArrivals(1)
        #expect(source.isConnected)
        task.cancel()
        await #expect(throws: CancellationError.self) { try await task.value }
        #expect(!source.isConnected)
        #expect(source.calls.last == "disconnect")
    }

    @Test func storageBackendsAreDisconnectedToo() async throws {
        let backend = MockStorageBackend()
        let stored = try await withConnected(backend) { try await $0.store(batch: [1, 2]) }
        #expect(stored.count == 2)
        #expect(backend.calls == ["connect", "store_batch", "disconnect"])
    }
}
