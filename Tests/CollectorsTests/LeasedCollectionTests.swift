import CollectorMocks
import CollectorValues
import Collectors
import Foundation
import Testing

/// Cluster mode in the core, with leases handed out by the test: a source
/// is connected only while its lease is held and stops when it is lost, and
/// storage refuses the records of a source whose lease is gone (fencing).
@Suite("leased collection", .timeLimit(.minutes(1)))
struct LeasedCollectionTests {
    /// Grants the leases the test names; `acquire` waits for a grant (or cancellation).
    final class GrantedLeases: SourceLeases {
        private let granted = Locked([String: SourceLease]())
        let refused = Locked([String: String]())

        func grant(_ source: String) -> SourceLease {
            let lease = SourceLease(pipeline: "p", source: source, token: 1, deadline: .now + .seconds(60))
            granted.withLock { $0[source] = lease }
            return lease
        }

        func register(pipeline: String, sources: [String], settle: Duration) async throws {}

        func acquire(pipeline: String, source: String) async -> SourceLease? {
            while !Task.isCancelled {
                if let lease = granted.withLock({ $0.removeValue(forKey: source) }) { return lease }
                try? await Task.sleep(for: .milliseconds(5))
            }
            return nil
        }

        func fenced(pipeline: String, sources: Set<String>) async -> [String: String] {
            refused.withLock { refused in refused.filter { sources.contains($0.key) } }
        }

        func finished(pipeline: String) async {}
        func resumeStore() throws -> (any ResumeStore)? { nil }
        var resumeScope: String { "test" }
    }

    private func waitUntil(_ condition: () -> Bool) async throws {
        for _ in 0..<1000 where !condition() { try await Task.sleep(for: .milliseconds(5)) }
        #expect(condition())
    }

    @Test func aSourceIsCollectedOnlyWhileItsLeaseIsHeld() async throws {
        let queue = BoundedQueue<CollectedData>(capacity: 10_000)
        let manager = CollectionManager(output: queue, errorHandler: MockErrorHandler())
        let held = MockDataSource(id: "held", texts: ["h"])
        let elsewhere = MockDataSource(id: "elsewhere", texts: ["e"])
        try await manager.register(held, mode: .interval(.milliseconds(10), count: nil))
        try await manager.register(elsewhere, mode: .interval(.milliseconds(10), count: nil))
        let leases = GrantedLeases()
        await manager.collect(under: leases, scope: "p")
        let run = Task { await manager.run() }
        let lease = leases.grant("held")
        try await waitUntil { held.collectCallCount >= 3 }
        #expect(await manager.leaseToken(of: "held") == 1)
        // The source whose lease another process holds is never connected.
        #expect(elsewhere.connectCallCount == 0)
        #expect(await manager.readiness.reasons.isEmpty)
        // Lost: collection stops at once and the source is disconnected.
        lease.markLost()
        try await waitUntil { held.disconnectCallCount >= 1 }
        let collected = held.collectCallCount
        try await Task.sleep(for: .milliseconds(100))
        #expect(held.collectCallCount == collected)
        // The token is forgotten once the stop is through (a moment after the disconnect on a loaded machine).
        for _ in 0..<1000 where await manager.leaseToken(of: "held") != nil { try await Task.sleep(for: .milliseconds(5)) }
        #expect(await manager.leaseToken(of: "held") == nil)
        // Won again: it starts again.
        _ = leases.grant("held")
        try await waitUntil { held.collectCallCount > collected }
        await manager.stop()
        await run.value
        #expect(elsewhere.connectCallCount == 0)
    }

    @Test func recordsOfASourceWhoseLeaseIsGoneAreNotStoredButDeadLettered() async throws {
        let backend = MockStorageBackend()
        try await backend.connect()
        let sink = InMemoryDeadLetterSink()
        let manager = StorageManager(
            backends: [backend], configuration: .init(batchSize: 10, maxBatchAge: .seconds(5)),
            errorHandler: MockErrorHandler(), deadLetters: sink)
        await manager.fence { sources in sources.contains("lost") ? ["lost": "lease token 3 superseded by 4"] : [:] }
        var records: [Record] = []
        for i in 0..<6 {
            let source = i % 2 == 0 ? "kept" : "lost"
            records.append(Record(DataValue.integer(Int64(i)), sourceID: source, sequence: UInt64(i / 2 + 1)))
        }
        await manager.submit(records)
        await manager.flush()
        #expect(backend.records == [0, 2, 4])
        let stats = await manager.statistics
        #expect(stats.stored[backend.id] == 3 && stats.failed[backend.id] == 3)
        #expect(sink.letters.count == 3)
        #expect(sink.letters.allSatisfy { $0.error.message.contains("no longer holds the lease of source 'lost'") })
        // Not acknowledged: a checkpoint must not move past records that were not stored.
        #expect(await manager.acknowledged["lost"] == nil)
    }
}
