import CollectorMocks
import CollectorValues
import Collectors
import Testing

// The time limit only guards against a hang (a lost wake-up); no test measures speed.
@Suite("Manager protocols", .timeLimit(.minutes(1)))
struct ManagerProtocolTests {
    /// Collects from `sources` with any collection manager: register, run, statuses.
    func collectOnce(_ sources: [any DataSource], with manager: some CollectionManaging) async throws -> [String: CollectionStatus] {
        for source in sources { try await manager.register(source, mode: .once) }
        await manager.run()
        return await manager.statuses
    }

    /// Runs `records` through any processing manager's chain, and what it gives at the end.
    func process(_ records: [Record], with manager: some ProcessingManaging) async -> [Record] {
        let output = await manager.process(batch: records)
        return output + (await manager.finish())
    }

    /// Stores `records` with any storage manager: connect, submit, flush.
    func store(_ records: [Record], with manager: some StorageManaging) async throws -> StorageManager.Statistics {
        try await manager.connectBackends()
        await manager.submit(records)
        await manager.flush()
        return await manager.statistics
    }

    @Test func aCollectionManagerWorksThroughItsProtocol() async throws {
        let queue = BoundedQueue<CollectedData>(capacity: 10)
        let manager = CollectionManager(output: queue, errorHandler: MockErrorHandler())
        let a = MockDataSource(id: "a", texts: ["a1"])
        let b = MockDataSource(id: "b", texts: ["b1"])
        let statuses = try await collectOnce([a, b], with: manager)
        #expect(statuses == ["a": .completed, "b": .completed])
        #expect(await manager.sourceIDs == ["a", "b"])
        #expect(await manager.statistics.collected == 2)
        #expect(await manager.readiness.isReady)
        let managing: any CollectionManaging = manager
        await #expect(throws: ErrorInfo.self) { try await managing.register(a, mode: .stream) }
        queue.finish()
        var texts: Set<String> = []
        for await item in queue { texts.insert(String(decoding: item.payload, as: UTF8.self)) }
        #expect(texts == ["a1", "b1"])
    }

    @Test func aProcessingManagerWorksThroughItsProtocol() async throws {
        let double = MockProcessor(name: "double", transform: { r in .success(r.with(value: .integer((r.value.intValue ?? 0) * 2))) })
        let evens = MockProcessor(name: "multiples_of_4", transform: { r in
            (r.value.intValue ?? 1) % 4 == 0 ? .success(r) : .success([])
        })
        let manager = ProcessingManager(processors: [double, evens], errorHandler: MockErrorHandler())
        #expect(await process(records(5), with: manager).map(\.value) == [0, 4, 8])
        #expect(await manager.processorNames == ["double", "multiples_of_4"])
        let statistics = await manager.statistics
        #expect(statistics.input == 5 && statistics.output == 3 && statistics.dropped == 2)
        let managing: any ProcessingManaging = manager
        await managing.setProcessors([double])
        #expect(await managing.process(record(21)).map(\.value) == [42])
        #expect(!(await managing.stopRequested))
    }

    @Test func aStorageManagerWorksThroughItsProtocol() async throws {
        let even = MockStorageBackend(id: "even")
        let all = MockStorageBackend(id: "all")
        let manager = StorageManager(
            backends: [even, all], configuration: .init(batchSize: 10), errorHandler: MockErrorHandler(),
            router: { record in (record.value.intValue ?? 1) % 2 == 0 ? nil : ["all"] })
        let statistics = try await store(records(5), with: manager)
        #expect(statistics.stored == ["even": 3, "all": 5])
        #expect(even.records == [0, 2, 4])
        #expect(await manager.backendIDs(for: record(3)) == ["all"])
        #expect(await manager.backendIDs(for: record(2)) == ["even", "all"])
        #expect(await manager.acknowledged == ["s": 5])
        #expect(await manager.failingBackendIDs.isEmpty)
        #expect(even.isConnected && all.isConnected)
    }

    /// One backend that cannot connect: those connected before it are disconnected again.
    @Test func connectingBackendsThroughTheProtocolIsAllOrNothing() async throws {
        let first = MockStorageBackend(id: "first")
        let broken = MockStorageBackend(id: "broken", connectFailures: .always(permanent))
        let manager: any StorageManaging = StorageManager(backends: [first, broken], errorHandler: MockErrorHandler())
        let error = await #expect(throws: ErrorInfo.self) { try await manager.connectBackends() }
        #expect(error?.message == "backend 'broken' could not connect: permanent")
        #expect(first.calls == ["connect", "disconnect"])
        #expect(!broken.isConnected)
    }
}
