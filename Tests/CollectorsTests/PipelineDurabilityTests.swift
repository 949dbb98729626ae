import CollectorMocks
import CollectorValues
import Collectors
import Testing

/// A source whose items carry checkpoints (their number), and which notes,
/// at each commit, how many records the backend held then.
actor NumberedSource: CheckpointedSource {
    nonisolated let id = "numbers"
    let count: Int
    let backend: MockStorageBackend
    private(set) var committedOnly = false
    private(set) var commits: [(checkpoint: Int64, stored: Int, force: Bool)] = []

    init(count: Int, backend: MockStorageBackend) {
        self.count = count
        self.backend = backend
    }

    func connect() async throws {}
    func disconnect() async {}

    func collect() async throws -> CollectedData {
        throw ErrorInfo(.configuration, layer: .collection, operation: "collect", message: "stream only")
    }

    nonisolated func stream() -> AsyncThrowingStream<CollectedData, any Error> {
        let (id, count) = (self.id, self.count)
        return AsyncThrowingStream { continuation in
            for n in 1...count {
                continuation.yield(
                    CollectedData(
                        sourceID: id, format: .json, method: .mock, payload: Array("{\"n\":\(n)}".utf8), key: "n\(n)",
                        checkpoint: .integer(Int64(n))))
            }
            continuation.finish()
        }
    }

    func useCommittedCheckpoints() { committedOnly = true }

    func commit(_ checkpoint: DataValue, force: Bool) {
        commits.append((checkpoint.intValue ?? -1, backend.records.count, force))
    }
}

// The time limit only guards against a hang (a lost wake-up); no test measures speed.
@Suite("Pipeline: checkpoints, spool, drain deadline", .timeLimit(.minutes(1)))
struct PipelineDurabilityTests {
    @Test func aCheckpointIsCommittedOnlyOnceTheRecordsBeforeItAreStored() async throws {
        let backend = MockStorageBackend(id: "db")
        let source = NumberedSource(count: 250, backend: backend)
        let pipeline = try Pipeline(
            sources: [source], mode: .stream, backends: [backend],
            configuration: PipelineConfiguration(queueCapacity: 16, batchSize: 20), errorHandler: MockErrorHandler())
        let report = await pipeline.run()
        #expect(report.status == .completed)
        #expect(backend.records.count == 250)
        #expect(await source.committedOnly)
        let commits = await source.commits
        #expect(!commits.isEmpty)
        for commit in commits {
            #expect(Int(commit.checkpoint) <= commit.stored, "checkpoint \(commit.checkpoint) with \(commit.stored) stored")
        }
        #expect(commits.map(\.checkpoint) == commits.map(\.checkpoint).sorted())
        #expect(commits.last?.checkpoint == 250)
        #expect(commits.last?.force == true, "the last one is saved at once")
    }

    @Test func pastTheDrainDeadlineWhatIsInFlightGoesToTheSpool() async throws {
        let gate = TestGate()
        let backend = MockStorageBackend(id: "db", storeDelay: .gate(gate))
        let spool = MockSpool()
        let source = MockDataSource(id: "a", texts: (1...30).map { "r\($0)" })
        let pipeline = try Pipeline(
            name: "p", sources: [source], mode: .interval(.zero, count: 30), backends: [backend],
            configuration: PipelineConfiguration(batchSize: 10, drainTimeout: .milliseconds(50)),
            errorHandler: MockErrorHandler(), spool: spool)
        let report = await pipeline.run()
        gate.open()
        #expect(report.cutShort)
        #expect(report.status == .completed, "nothing was lost: \(String(describing: report.error))")
        #expect(spool.records(in: "p/db").count == 30)
        #expect(report.spooled == ["db": 30])
        #expect(report.acknowledged == ["a": 30])
    }

    @Test func pastTheDrainDeadlineWithoutASpoolTheRunFails() async throws {
        let gate = TestGate()
        let backend = MockStorageBackend(id: "db", storeDelay: .gate(gate))
        let source = MockDataSource(id: "a", texts: ["x"])
        let pipeline = try Pipeline(
            sources: [source], backends: [backend],
            configuration: PipelineConfiguration(batchSize: 10, drainTimeout: .milliseconds(50)),
            errorHandler: MockErrorHandler())
        let report = await pipeline.run()
        gate.open()
        #expect(report.cutShort)
        #expect(report.status == .failed)
        #expect(report.error?.message.contains("neither stored nor spooled") == true)
    }
}
