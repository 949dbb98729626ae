import CollectorMocks
import CollectorValues
import Collectors
import Foundation
import Testing

/// Numbers `start + 1 ... count`, each an item with its number as checkpoint; resumable.
actor ResumableNumbers: ResumableSource {
    nonisolated let id = "numbers"
    let count: Int
    private(set) var start = 0
    private(set) var resumedFrom: DataValue?

    init(count: Int) { self.count = count }

    func connect() async throws {}
    func disconnect() async {}

    func collect() async throws -> CollectedData {
        throw ErrorInfo(.configuration, layer: .collection, operation: "collect", message: "stream only")
    }

    nonisolated func stream() -> AsyncThrowingStream<CollectedData, any Error> {
        AsyncThrowingStream { continuation in
            Task {
                let (id, start, count) = (self.id, await self.start, self.count)
                if start < count {
                    for n in (start + 1)...count {
                        continuation.yield(
                            CollectedData(
                                sourceID: id, format: .json, method: .mock, payload: Array("{\"n\":\(n)}".utf8), key: "n\(n)",
                                checkpoint: .integer(Int64(n))))
                    }
                }
                continuation.finish()
            }
        }
    }

    func resume(from checkpoint: DataValue) {
        resumedFrom = checkpoint
        start = Int(checkpoint.intValue ?? 0)
    }

    func useCommittedCheckpoints() {}
    func commit(_ checkpoint: DataValue, force: Bool) {}
}

/// Counts and sums `n`, passing records on; its state is `{count, sum}`.
final class SummingProcessor: StatefulProcessor {
    let name = "sum"
    private let state = Locked((count: Int64(0), sum: Int64(0)))
    let declares: Bool

    init(declares: Bool = true) { self.declares = declares }

    var totals: (count: Int64, sum: Int64) { state.withLock { $0 } }
    var keepsState: Bool { get async { declares } }

    func process(_ record: Record) async throws -> ProcessingResult {
        let n = record.value.objectValue?["n"]?.intValue ?? 0
        state.withLock {
            $0.count += 1
            $0.sum += n
        }
        return .success(record)
    }

    func exportState() async throws -> DataValue {
        let (count, sum) = state.withLock { $0 }
        return .object(["count": .integer(count), "sum": .integer(sum)])
    }

    func restoreState(_ saved: DataValue) async throws {
        guard case .object(let fields) = saved else { throw ErrorInfo(.validation, layer: .processing, operation: "restore", message: "not a state") }
        state.withLock { $0 = (fields["count"]?.intValue ?? 0, fields["sum"]?.intValue ?? 0) }
    }
}

/// A memory store that keeps every save, to check each one.
final class RecordingResumeStore: ResumeStore {
    let base = MemoryResumeStore()
    private let saved = Locked([[String: DataValue]]())
    var saves: [[String: DataValue]] { saved.withLock { $0 } }
    var description: String { "recording" }

    func load(scope: String) async throws -> [String: DataValue] { try await base.load(scope: scope) }
    func save(scope: String, entries: [String: DataValue]) async throws {
        saved.withLock { $0.append(entries) }
        try await base.save(scope: scope, entries: entries)
    }
    func close() async {}
}

@Suite("Pipeline: resume store and processor checkpoints", .timeLimit(.minutes(1)))
struct PipelineResumeTests {
    static func pipeline(_ source: ResumableNumbers, _ processor: SummingProcessor, _ store: any ResumeStore, backend: MockStorageBackend) throws -> Pipeline {
        var configuration = PipelineConfiguration(queueCapacity: 16, batchSize: 5)
        configuration.checkpointRecords = 7
        return try Pipeline(
            name: "p", sources: [source], mode: .stream, processors: [processor], backends: [backend],
            configuration: configuration, errorHandler: MockErrorHandler(), resumeStore: store, resumeScope: "script/p")
    }

    @Test func everyCheckpointHoldsTheStateOfExactlyTheRecordsBeforeItsPosition() async throws {
        let store = RecordingResumeStore()
        let backend = MockStorageBackend(id: "db")
        let processor = SummingProcessor()
        let report = try await Self.pipeline(ResumableNumbers(count: 200), processor, store, backend: backend).run()
        #expect(report.status == .completed)
        let saves = store.saves
        #expect(saves.count > 2, "checkpoints along the way and at the end")
        for entries in saves {
            let position = try #require(entries[ResumeKey.source("numbers")]?.intValue, "\(entries)")
            let state = try #require(entries[ResumeKey.processor("sum")]?.objectValue, "\(entries)")
            // Every record is one item here: the state after n items counted n and summed 1...n.
            #expect(state["count"]?.intValue == position)
            #expect(state["sum"]?.intValue == position * (position + 1) / 2)
        }
        #expect(saves.last?[ResumeKey.source("numbers")] == .integer(200), "the last checkpoint is at the end")
    }

    @Test func aRestartedPipelineGoesOnFromTheCheckpoint() async throws {
        let store = RecordingResumeStore()
        let first = SummingProcessor()
        _ = try await Self.pipeline(ResumableNumbers(count: 120), first, store, backend: MockStorageBackend(id: "db")).run()

        let source = ResumableNumbers(count: 150)
        let second = SummingProcessor()
        let backend = MockStorageBackend(id: "db")
        let report = try await Self.pipeline(source, second, store, backend: backend).run()
        #expect(report.status == .completed)
        #expect(await source.resumedFrom == .integer(120))
        #expect(backend.records.count == 30, "only what came after the checkpoint is read")
        #expect(second.totals.count == 150)
        #expect(second.totals.sum == 150 * 151 / 2)
    }

    @Test func withoutStatefulProcessorsOnlyPositionsAreSaved() async throws {
        let store = RecordingResumeStore()
        let report = try await Self.pipeline(
            ResumableNumbers(count: 50), SummingProcessor(declares: false), store, backend: MockStorageBackend(id: "db")
        ).run()
        #expect(report.status == .completed)
        #expect(!store.saves.isEmpty)
        #expect(store.saves.allSatisfy { $0.keys.allSatisfy { $0.hasPrefix("source/") } })
        #expect(try await store.load(scope: "script/p")[ResumeKey.source("numbers")] == .integer(50))
    }

    @Test func aProcessorThatRefusesItsSavedStateFailsThePipelineAtStart() async throws {
        let store = MemoryResumeStore()
        try await store.save(scope: "script/p", entries: [ResumeKey.processor("sum"): .string("not a state")])
        let backend = MockStorageBackend(id: "db")
        let report = try await Self.pipeline(ResumableNumbers(count: 5), SummingProcessor(), store, backend: backend).run()
        #expect(report.status == .failed)
        #expect(report.error?.message.contains("processor 'sum' could not take back its saved state") == true, "\(String(describing: report.error))")
        #expect(backend.records.isEmpty, "nothing was read")
    }

    @Test func aStoreThatCannotBeReadFailsThePipelineNamingIt() async throws {
        final class Unreadable: ResumeStore {
            var description: String { "/nowhere/state.db" }
            func load(scope: String) async throws -> [String: DataValue] {
                throw ErrorInfo(.storage, layer: .storage, operation: "resume", message: "disk I/O error")
            }
            func save(scope: String, entries: [String: DataValue]) async throws {}
            func close() async {}
        }
        let report = try await Self.pipeline(ResumableNumbers(count: 5), SummingProcessor(), Unreadable(), backend: MockStorageBackend(id: "db")).run()
        #expect(report.status == .failed)
        #expect(report.error?.message.contains("/nowhere/state.db") == true, "\(String(describing: report.error))")
    }
}
