import CollectorMocks
import CollectorValues
import Collectors
import Testing

// The time limit only guards against a hang; no test measures speed.
@Suite("SharedBackend", .timeLimit(.minutes(1)))
struct SharedBackendTests {
    @Test func theBackendStaysConnectedWhileAnyLeaseHoldsIt() async throws {
        let backend = MockStorageBackend()
        let shared = SharedBackend(backend)
        let a = shared.lease(), b = shared.lease()
        try await a.connect()
        try await b.connect()
        #expect(backend.connectCallCount == 1)
        await a.disconnect()
        #expect(backend.isConnected, "the first user to end must not disconnect the other")
        _ = try await b.store(batch: [["n": 1]])
        await b.disconnect()
        #expect(!backend.isConnected)
        #expect(await shared.holderCount == 0)
    }

    @Test func aLeaseLetsGoOnceHoweverOftenItDisconnects() async throws {
        let backend = MockStorageBackend()
        let shared = SharedBackend(backend)
        let pipeline = shared.lease(), query = shared.lease()
        try await pipeline.connect()
        try await query.connect()
        await query.disconnect()
        await query.disconnect()
        await query.disconnect()
        #expect(backend.isConnected)
        #expect(await shared.holderCount == 1)
        // A disconnect without a connect (cleanup after a failed connect) takes nothing from others.
        await shared.lease().disconnect()
        #expect(backend.isConnected)
    }

    @Test func aFailedConnectHoldsNothing() async throws {
        let backend = MockStorageBackend(connectFailures: .onCall(1))
        let shared = SharedBackend(backend)
        let first = shared.lease()
        await #expect(throws: ErrorInfo.self) { try await first.connect() }
        #expect(await shared.holderCount == 0)
        await first.disconnect()
        let second = shared.lease()
        try await second.connect()
        #expect(backend.isConnected)
        #expect(await shared.holderCount == 1)
    }

    @Test func usersThatComeAndGoTogetherLeaveItAsTheLastOneSays() async throws {
        let backend = MockStorageBackend()
        let shared = SharedBackend(backend)
        let keeper = shared.lease()
        try await keeper.connect()
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<50 {
                group.addTask {
                    let lease = shared.lease()
                    try? await lease.connect()
                    _ = try? await lease.query(QueryCriteria())
                    await lease.disconnect()
                }
            }
        }
        #expect(backend.isConnected)
        #expect(await shared.holderCount == 1)
        await keeper.disconnect()
        #expect(!backend.isConnected)
    }
}
