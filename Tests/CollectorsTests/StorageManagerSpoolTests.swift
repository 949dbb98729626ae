import CollectorMocks
import CollectorValues
import Collectors
import Testing

// The time limit only guards against a hang (a lost wake-up); no test measures speed.
@Suite("StorageManager with a spool", .timeLimit(.minutes(1)))
struct StorageManagerSpoolTests {
    /// No retries inside a write: a failure goes to the spool at once.
    func configuration(batchSize: Int) -> StorageManager.Configuration {
        .init(
            batchSize: batchSize, maxBatchAge: .seconds(5),
            retryPolicy: RetryPolicy(maxAttempts: 1, initialDelay: .milliseconds(5), jitter: .none, deadline: nil))
    }

    @Test func aBackendDownPastItsRetriesSpoolsAndItsRecordsAreReplayedInOrder() async throws {
        // Down for its first three calls: the first batch's write and two replay probes.
        let backend = MockStorageBackend(id: "db", storeFailures: .firstCalls(3, transient))
        try await backend.connect()
        let spool = MockSpool()
        let emitter = MockEventEmitter()
        let sink = InMemoryDeadLetterSink()
        let manager = StorageManager(
            backends: [backend], configuration: configuration(batchSize: 2), errorHandler: MockErrorHandler(),
            deadLetters: sink, emitter: emitter, clock: ImmediateClock(), spool: spool, spoolNamespace: "p")
        await manager.submit(records(6))
        // Spooled counts as acknowledged: it is durable.
        #expect(await manager.acknowledged == ["s": 6])
        await manager.flush()
        await manager.drainSpool()
        #expect(backend.records == (0..<6).map { DataValue.integer(Int64($0)) }, "in order, each once")
        #expect(spool.records(in: "p/db").isEmpty)
        let stats = await manager.statistics
        #expect((stats.spooled["db"] ?? 0) >= 2)
        #expect(stats.replayed["db"] == stats.spooled["db"])
        #expect((stats.stored["db"] ?? 0) + (stats.replayed["db"] ?? 0) == 6)
        #expect(stats.failed.isEmpty)
        #expect(sink.letters.isEmpty)
        #expect(await manager.spoolDepths.isEmpty)
        #expect(await manager.failingBackendIDs.isEmpty, "a replay that went in clears the failure")
        #expect(emitter.events(of: .storageFailed).count >= 1)
        let spooled = emitter.events(of: .spooled)
        #expect(spooled.first?.data["reason"] == "transient")
        #expect(spooled.first?.data["count"] == 2)
        #expect(emitter.events(of: .replayed).map { $0.data["count"]?.intValue ?? 0 }.reduce(0, +) == Int64(stats.replayed["db"] ?? 0))
    }

    @Test func recordsAnEarlierRunLeftInTheSpoolGoBeforeNewOnes() async throws {
        let backend = MockStorageBackend(id: "db")
        try await backend.connect()
        let earlier = (100..<103).map { Record(.integer(Int64($0)), sourceID: "s", sequence: UInt64($0)) }
        let spool = MockSpool(holding: ["p/db": earlier, "other/db": [record(7)]])
        let manager = StorageManager(
            backends: [backend], configuration: configuration(batchSize: 2), errorHandler: MockErrorHandler(),
            clock: ImmediateClock(), spool: spool, spoolNamespace: "p")
        try await manager.openSpool()
        #expect(await manager.spoolDepths == ["db": 3])
        await manager.submit(records(3))
        await manager.flush()
        await manager.drainSpool()
        #expect(backend.records == [100, 101, 102, 0, 1, 2])
        #expect(spool.records(in: "p/db").isEmpty)
        #expect(spool.records(in: "other/db").count == 1, "another pipeline's queue is left alone")
        // New batches that came while the old ones were in the spool went behind them.
        let stats = await manager.statistics
        #expect(stats.replayed["db"] == 3 + (stats.spooled["db"] ?? 0))
    }

    @Test func aFullSpoolSendsTheBatchToTheDeadLetterSinkAndSaysSo() async throws {
        let backend = MockStorageBackend(id: "db", storeFailures: .always(transient))
        try await backend.connect()
        let spool = MockSpool(capacity: 2)
        let emitter = MockEventEmitter()
        let sink = InMemoryDeadLetterSink()
        let registry = MetricsRegistry()
        let metrics = try PipelineMetrics(registry: registry, pipeline: "p")
        let manager = StorageManager(
            backends: [backend], configuration: configuration(batchSize: 2), errorHandler: MockErrorHandler(),
            deadLetters: sink, emitter: emitter, clock: ImmediateClock(), metrics: metrics, spool: spool,
            spoolNamespace: "p")
        await manager.submit(records(4))
        await manager.flush()
        // The backend never comes back: end the drain as its deadline would.
        await manager.cutShort()
        await manager.drainSpool()
        #expect(spool.records(in: "p/db").map(\.value) == [0, 1])
        #expect(sink.letters.map(\.record.value) == [2, 3])
        #expect(sink.letters.first?.error.message.contains("full") == true)
        let full = emitter.events(of: .spoolFull)
        #expect(full.count == 1)
        #expect(full.first?.source == "db")
        #expect(await manager.statistics.failed == ["db": 2])
        #expect(await manager.acknowledged == ["s": 2], "the spooled batch is acknowledged, the rejected one is not")
        let text = registry.render()
        #expect(text.contains(#"collector_spool_records_spooled_total{pipeline="p",backend="db"} 2"#))
        #expect(text.contains(#"collector_spool_records_rejected_total{pipeline="p",backend="db"} 2"#))
        #expect(text.contains(#"collector_spool_depth{pipeline="p",backend="db"} 2"#))
    }

    @Test func recordsABackendRefusesForGoodAreDeadLetteredNotSpooled() async throws {
        let backend = MockStorageBackend(id: "db", storeFailures: .always(permanent))
        try await backend.connect()
        let spool = MockSpool()
        let sink = InMemoryDeadLetterSink()
        let manager = StorageManager(
            backends: [backend], configuration: configuration(batchSize: 2), errorHandler: MockErrorHandler(),
            deadLetters: sink, clock: ImmediateClock(), spool: spool)
        await manager.submit(records(2))
        #expect(spool.records(in: "db").isEmpty)
        #expect(sink.letters.count == 2)
        #expect(!spool.calls.contains("append"))
    }

    @Test func aReplayedBatchTheBackendRefusesIsStoredRecordByRecord() async throws {
        let backend = MockStorageBackend(id: "db")
        try await backend.connect()
        let earlier = (100..<104).map { Record(.integer(Int64($0)), sourceID: "s", sequence: UInt64($0)) }
        let spool = MockSpool(holding: ["p/db": earlier])
        let sink = InMemoryDeadLetterSink()
        let handler = MockErrorHandler()
        let manager = StorageManager(
            backends: [RefusingBackend(base: backend, refuse: [101])], configuration: configuration(batchSize: 4),
            errorHandler: handler, deadLetters: sink, clock: ImmediateClock(), spool: spool, spoolNamespace: "p")
        try await manager.openSpool()
        await manager.drainSpool()
        #expect(backend.records == [100, 102, 103])
        #expect(sink.letters.map(\.record.value) == [101])
        // Only the refused record is reported, not the batch of four.
        #expect(handler.errors.map { $0.details["sequence"]?.intValue } == [101])
        let stats = await manager.statistics
        #expect(stats.replayed["db"] == 3)
        #expect(stats.failed["db"] == 1)
        #expect(stats.deadLettered == 1)
        #expect(spool.records(in: "p/db").isEmpty)
    }

    /// A manager whose backend never answers (until `gate` opens), after its
    /// first write of two records has been cut short by the drain deadline.
    func cutShortWhileStuck(spool: MockSpool?, deadLetters: InMemoryDeadLetterSink? = nil) async throws
        -> (StorageManager, TestGate)
    {
        let gate = TestGate()
        let backend = MockStorageBackend(id: "db", storeDelay: .gate(gate))
        try await backend.connect()
        let manager = StorageManager(
            backends: [backend], configuration: configuration(batchSize: 2), errorHandler: MockErrorHandler(),
            deadLetters: deadLetters, clock: ImmediateClock(), spool: spool)
        let submitted = Task { await manager.submit(records(2)) }
        await gate.waitForArrivals(1)  // the write is stuck in the backend
        await manager.cutShort()
        await submitted.value
        return (manager, gate)
    }

    @Test func theDrainDeadlineSpoolsAWriteThatDoesNotReturn() async throws {
        let spool = MockSpool()
        let (manager, gate) = try await cutShortWhileStuck(spool: spool)
        await manager.submit(records(4).suffix(2).map { $0 })
        await manager.flush()
        #expect(spool.records(in: "db").map(\.value) == [0, 1, 2, 3], "the stuck batch, then the next, untried")
        #expect(await manager.acknowledged == ["s": 4])
        #expect(await manager.drainCutShort)
        gate.open()
    }

    @Test func withoutASpoolTheDrainDeadlineDeadLettersAndCountsIt() async throws {
        let sink = InMemoryDeadLetterSink()
        let (manager, gate) = try await cutShortWhileStuck(spool: nil, deadLetters: sink)
        #expect(sink.letters.count == 2)
        #expect(sink.letters.first?.error.type == .timeout)
        #expect(await manager.statistics.unstoredAtDeadline == 2)
        gate.open()
    }
}
