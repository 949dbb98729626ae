import CollectorMocks
import CollectorValues
import Collectors
import Testing

// The time limit only guards against a hang (a lost wake-up); no test measures speed.
@Suite("StorageManager", .timeLimit(.minutes(1)))
struct StorageManagerTests {
    func configuration(batchSize: Int, retries: Int = 1) -> StorageManager.Configuration {
        .init(
            batchSize: batchSize, maxBatchAge: .seconds(5),
            retryPolicy: RetryPolicy(maxAttempts: retries, initialDelay: .milliseconds(5), jitter: .none, deadline: nil))
    }

    @Test func writesFullBatchesAndTheRestOnFlush() async throws {
        let backend = MockStorageBackend()
        try await backend.connect()
        let manager = StorageManager(
            backends: [backend], configuration: configuration(batchSize: 3), errorHandler: MockErrorHandler())
        await manager.submit(records(7))
        #expect(backend.batchSizes == [3, 3])
        #expect(await manager.pendingCount == 1)
        #expect(await manager.acknowledged == ["s": 6])
        await manager.flush()
        #expect(backend.batchSizes == [3, 3, 1])
        #expect(backend.records == (0..<7).map { DataValue.integer(Int64($0)) })
        let stats = await manager.statistics
        #expect(stats.received == 7 && stats.stored == [backend.id: 7] && stats.batches == 3)
        #expect(await manager.acknowledged == ["s": 7])
    }

    @Test func aRecordTheBackendRefusesFailsAloneAndTheRestOfItsBatchIsStored() async throws {
        let backend = MockStorageBackend(id: "picky")
        try await backend.connect()
        let picky = RefusingBackend(base: backend, refuse: [2, 5])
        let sink = InMemoryDeadLetterSink()
        let emitter = MockEventEmitter()
        let handler = MockErrorHandler()
        let manager = StorageManager(
            backends: [picky], configuration: configuration(batchSize: 4), errorHandler: handler,
            deadLetters: sink, emitter: emitter)
        await manager.submit(records(8))
        await manager.flush()
        #expect(backend.records == [0, 1, 3, 4, 6, 7])
        let stats = await manager.statistics
        #expect(stats.stored == ["picky": 6])
        #expect(stats.failed == ["picky": 2])
        #expect(stats.deadLettered == 2)
        #expect(sink.letters.map(\.record.value) == [2, 5])
        #expect(sink.letters.allSatisfy { $0.error.message.hasPrefix("value refused") && $0.error.details["sequence"] != nil })
        #expect(sink.letters.allSatisfy { $0.error.message.hasSuffix("batch of 4 was refused: 3 of 4 stored)") })
        #expect(emitter.events(of: .storageComplete).compactMap { $0.data["count"]?.intValue }.reduce(0, +) == 6)
        // The handler (and so the log) hears of the two records refused, not of
        // two batches "not stored": three of each batch's four went in.
        #expect(handler.errors.map { $0.details["sequence"]?.intValue } == [3, 6])
        #expect(handler.errors.allSatisfy { $0.details["count"] == 1 })
    }

    @Test func fansOutAndOneFailingBackendDoesNotStopTheOthers() async throws {
        let good = MockStorageBackend(id: "good")
        let bad = MockStorageBackend(id: "bad", storeFailures: .always(.mockFailure(.storage, message: "disk full")))
        try await good.connect()
        try await bad.connect()
        let handler = MockErrorHandler()
        let emitter = MockEventEmitter()
        let sink = InMemoryDeadLetterSink()
        let manager = StorageManager(
            backends: [good, bad], configuration: configuration(batchSize: 2), errorHandler: handler,
            deadLetters: sink, emitter: emitter)
        await manager.submit(records(4))
        #expect(good.records.count == 4)
        #expect(bad.records.isEmpty)
        let stats = await manager.statistics
        #expect(stats.stored == ["good": 4])
        #expect(stats.failed == ["bad": 4])
        #expect(handler.errors.count == 2)
        #expect(handler.errors.allSatisfy { $0.details["backend_id"] == "bad" && $0.message == "disk full" })
        #expect(emitter.events(of: .storageFailed).count == 2)
        #expect(emitter.events(of: .storageComplete).map(\.source) == ["good", "good"])
        #expect(sink.letters.count == 4)
        // Not stored everywhere, so not acknowledged.
        #expect(await manager.acknowledged.isEmpty)
    }

    @Test func aRouterPicksTheBackendsOfEachRecord() async throws {
        let evens = MockStorageBackend(id: "evens")
        let all = MockStorageBackend(id: "all")
        try await evens.connect()
        try await all.connect()
        let manager = StorageManager(
            backends: [evens, all], configuration: configuration(batchSize: 10), errorHandler: MockErrorHandler(),
            router: { record in
                guard let n = record.value.intValue else { return nil }  // every backend
                if n == 5 { return [] }  // stored nowhere
                return n.isMultiple(of: 2) ? ["evens", "all"] : ["all"]
            })
        await manager.submit(records(6) + [record("text", sequence: 7)])
        await manager.flush()
        #expect(evens.records == [0, 2, 4, "text"])
        #expect(all.records == [0, 1, 2, 3, 4, "text"])
        let stats = await manager.statistics
        #expect(stats.stored == ["evens": 4, "all": 6])
        #expect(stats.unrouted == 1)
        #expect(await manager.acknowledged == ["s": 7])
    }

    @Test func retryableFailuresAreRetried() async throws {
        let backend = MockStorageBackend(storeFailures: .firstCalls(2, transient))
        try await backend.connect()
        let emitter = MockEventEmitter()
        let manager = StorageManager(
            backends: [backend], configuration: configuration(batchSize: 2, retries: 3),
            errorHandler: MockErrorHandler(), emitter: emitter, clock: ImmediateClock())
        await manager.submit(records(2))
        #expect(backend.records.count == 2)
        #expect(backend.storeCallCount == 3)
        #expect(emitter.events(of: .retry).count == 2)
        #expect(await manager.statistics.retries == 2)
        #expect(await manager.statistics.failed.isEmpty)
    }

    @Test func aStopDecisionIsRemembered() async throws {
        let backend = MockStorageBackend(storeFailures: .always(permanent))
        try await backend.connect()
        let manager = StorageManager(
            backends: [backend], configuration: configuration(batchSize: 1), errorHandler: MockErrorHandler(always: .stop))
        await manager.submit(records(1))
        #expect(await manager.stopRequested)
    }

    @Test func theFlushTimerWritesAPartialBatchOnceItIsOldEnough() async throws {
        let backend = MockStorageBackend()
        try await backend.connect()
        let clock = ManualClock()
        let manager = StorageManager(
            backends: [backend], configuration: configuration(batchSize: 100), errorHandler: MockErrorHandler(),
            clock: clock)
        await manager.startFlushTimer()
        await clock.waitForSleepers(1)
        await manager.submit(records(2))
        #expect(backend.records.isEmpty)
        clock.advance(by: .seconds(4))
        #expect(backend.records.isEmpty, "younger than maxBatchAge")
        clock.advance(by: .seconds(1))
        // After the flush the timer sleeps again: then the write is done.
        await clock.waitForSleepers(1)
        #expect(backend.batchSizes == [2])
        #expect(await manager.pendingCount == 0)
        await manager.stopFlushTimer()
    }

    @Test func batchesReachBackendsInOrder() async throws {
        let gate = TestGate()
        let backend = MockStorageBackend(storeDelay: .gate(gate))
        try await backend.connect()
        let manager = StorageManager(
            backends: [backend], configuration: configuration(batchSize: 2), errorHandler: MockErrorHandler())
        let first = Task { await manager.submit(records(2, source: "a")) }
        await gate.waitForArrivals(1)
        let second = Task { await manager.submit(records(2, source: "b")) }
        // Both are in the manager; the second waits for the first.
        while await manager.statistics.received < 4 { await Task.yield() }
        gate.open()
        await first.value
        await second.value
        #expect(backend.records == [0, 1, 0, 1])
        #expect(await manager.acknowledged == ["a": 2, "b": 2])
    }

    /// A batch whose sources alternate, with sequences out of order: each
    /// source's acknowledged sequence is the highest of its records, and
    /// never goes back.
    @Test func aMixedBatchAcknowledgesTheHighestSequenceOfEachSource() async throws {
        let backend = MockStorageBackend()
        try await backend.connect()
        let manager = StorageManager(
            backends: [backend], configuration: configuration(batchSize: 7), errorHandler: MockErrorHandler())
        await manager.submit([
            record(0, source: "a", sequence: 3), record(1, source: "a", sequence: 5), record(2, source: "b", sequence: 9),
            record(3, source: "a", sequence: 4), record(4, source: "c", sequence: 1), record(5, source: "b", sequence: 2),
            record(6, source: "a", sequence: 6),
        ])
        #expect(await manager.acknowledged == ["a": 6, "b": 9, "c": 1])
        await manager.submit([
            record(7, source: "b", sequence: 7), record(8, source: "b", sequence: 8), record(9, source: "a", sequence: 7),
            record(10, source: "a", sequence: 2), record(11, source: "c", sequence: 2), record(12, source: "c", sequence: 3),
            record(13, source: "b", sequence: 1),
        ])
        #expect(await manager.acknowledged == ["a": 7, "b": 9, "c": 3])
        #expect(backend.batchSizes == [7, 7])
    }
}
