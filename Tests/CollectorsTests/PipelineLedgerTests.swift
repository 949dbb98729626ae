import CollectorMocks
import CollectorValues
import Collectors
import Testing

/// A backend whose answers a test decides: it refuses (for good) every
/// batch holding a record whose value is "refuse", and reports each batch
/// it takes as `claim(records.count)` records written.
private final class ScriptedBackend: StorageBackend {
    let id: String
    let claim: @Sendable (Int) -> (count: Int, skipped: Int)
    private let kept = Locked([DataValue]())

    init(id: String, claim: @escaping @Sendable (Int) -> (count: Int, skipped: Int) = { ($0, 0) }) {
        self.id = id
        self.claim = claim
    }

    var records: [DataValue] { kept.withLock { $0 } }
    func connect() async throws {}
    func disconnect() async {}
    func store(_ record: DataValue) async throws -> StorageLocation {
        _ = try await store(batch: [record])
        return StorageLocation(backendID: id, locationID: "x", path: "scripted://x")
    }
    func store(batch records: [DataValue]) async throws -> StoredBatch {
        if records.contains("refuse") {
            throw ErrorInfo(.validation, layer: .storage, operation: "store", message: "a value this backend refuses")
        }
        kept.withLock { $0 += records }
        let (count, skipped) = claim(records.count)
        return StoredBatch(backendID: id, count: count, skipped: skipped)
    }
    func query(_ criteria: QueryCriteria) async throws -> [DataValue] { records }
    func delete(locationID: String) async throws {}
}

@Suite("Pipeline ledger", .timeLimit(.minutes(1)))
struct PipelineLedgerTests {
    /// Drops "drop", fails "fail", splits "split" into two records; the rest pass.
    let picky = MockProcessor(name: "picky", transform: { record in
        switch record.value {
        case "drop": return .success([])
        case "fail": throw ErrorInfo(.processing, layer: .processing, operation: "process", message: "no")
        case "split": return .success([record.with(value: "half"), record.with(value: "half")])
        default: return .success(record)
        }
    })

    @Test func everyTermAddsUpWithDropsFailuresSplitsRefusalsAndTheSpool() async throws {
        let texts = ["ok", "drop", "fail", "split", "refuse", "ok", "fail", "drop", "ok", "refuse"]
        let source = MockDataSource(id: "src", texts: texts)
        let picky = ScriptedBackend(id: "picky")
        // Down for good: with a spool, its batches wait there.
        let down = MockStorageBackend(id: "down", storeFailures: .always(.mockFailure(.connection, retryable: true)))
        let sink = InMemoryDeadLetterSink()
        let pipeline = try Pipeline(
            sources: [source], mode: .interval(.zero, count: texts.count), processors: [self.picky],
            backends: [picky, down],
            configuration: PipelineConfiguration(batchSize: 4, retryPolicy: .never, drainTimeout: .seconds(5)),
            errorHandler: MockErrorHandler(), deadLetters: sink, spool: MockSpool())
        let report = await pipeline.run()
        let ledger = report.ledger
        #expect(ledger.mismatches.isEmpty, "\(ledger.mismatches)")
        #expect(ledger.read == 10 && ledger.input == 10)
        #expect(ledger.created == 1, "the split made one record more")
        #expect(ledger.output == 7 && ledger.dropped == 2 && ledger.failed == 2)
        #expect(ledger.received == 7)
        let p = try #require(ledger.backends["picky"])
        #expect(p.routed == 7 && p.stored == 5 && p.refused == 2 && p.spooled == 0 && p.skipped == 0)
        let d = try #require(ledger.backends["down"])
        #expect(d.routed == 7 && d.spooled == 7 && d.stored == 0 && d.refused == 0)
        #expect(ledger.deadLetters == 4 && ledger.deadLettersWritten == 4 && ledger.deadLettersLost == 0)
        #expect(sink.letters.count == 4)
    }

    @Test func failuresWithoutADeadLetterDestinationAreCountedAsDiscarded() async throws {
        let texts = ["ok", "fail", "refuse"]
        let pipeline = try Pipeline(
            sources: [MockDataSource(id: "src", texts: texts)], mode: .interval(.zero, count: texts.count),
            processors: [picky], backends: [ScriptedBackend(id: "db")],
            configuration: PipelineConfiguration(batchSize: 2, retryPolicy: .never), errorHandler: MockErrorHandler())
        let report = await pipeline.run()
        #expect(report.ledger.mismatches.isEmpty, "\(report.ledger.mismatches)")
        #expect(report.ledger.discarded == 2 && report.ledger.deadLetters == 0)
        #expect(report.status == .completed)
    }

    @Test func recordsSkippedAsStoredAlreadyAreCountedApart() async throws {
        let texts = ["a", "b", "c", "d"]
        // Says one record of each batch was there already.
        let backend = ScriptedBackend(id: "db") { ($0 - 1, 1) }
        let pipeline = try Pipeline(
            sources: [MockDataSource(id: "src", texts: texts)], mode: .interval(.zero, count: texts.count),
            backends: [backend], configuration: PipelineConfiguration(batchSize: 2), errorHandler: MockErrorHandler())
        let report = await pipeline.run()
        #expect(report.ledger.mismatches.isEmpty, "\(report.ledger.mismatches)")
        let counts = try #require(report.ledger.backends["db"])
        #expect(counts.routed == 4 && counts.skipped + counts.stored == 4 && counts.skipped >= 1)
        #expect(report.storage.stored["db"] == counts.stored)
    }

    @Test func aBackendThatClaimsMoreThanItWasGivenFailsTheRunNamingTheTerms() async throws {
        let texts = ["a", "b", "c"]
        let liar = ScriptedBackend(id: "liar") { ($0 + 1, 0) }
        let handler = MockErrorHandler()
        let pipeline = try Pipeline(
            sources: [MockDataSource(id: "src", texts: texts)], mode: .interval(.zero, count: texts.count),
            backends: [liar], configuration: PipelineConfiguration(batchSize: 10), errorHandler: handler)
        let report = await pipeline.run()
        #expect(report.status == .failed)
        let message = report.error?.message ?? ""
        #expect(message.contains("do not add up"), "\(message)")
        #expect(message.contains("backend 'liar': routed (3) != stored (4)"), "\(message)")
        #expect(handler.errors.contains { $0.operation == "ledger" }, "the mismatch is reported as an error")
    }

    @Test func deadLettersTheDestinationCannotTakeAreLostAndFailTheRun() async throws {
        let texts = ["fail", "fail", "ok"]
        let destination = MockStorageBackend(id: "dlq", storeFailures: .always(.mockFailure(.storage, message: "no space left on device")))
        try await destination.connect()
        let sink = BackendDeadLetterSink(backend: destination)
        let pipeline = try Pipeline(
            sources: [MockDataSource(id: "src", texts: texts)], mode: .interval(.zero, count: texts.count),
            processors: [picky], backends: [MockStorageBackend(id: "db")],
            configuration: PipelineConfiguration(batchSize: 10), errorHandler: MockErrorHandler(), deadLetters: sink)
        let report = await pipeline.run()
        #expect(report.status == .failed)
        #expect(report.ledger.mismatches.isEmpty, "\(report.ledger.mismatches)")
        #expect(report.ledger.deadLettersLost == 2 && report.ledger.deadLettersWritten == 0)
        let message = report.error?.message ?? ""
        #expect(message.contains("2 dead letters could not be written to the dead-letter destination 'dlq'"), "\(message)")
        #expect(message.contains("no space left on device"), "\(message)")
    }

    @Test func deadLettersWaitInTheSpoolWhileTheirDestinationIsDown() async throws {
        let texts = ["fail", "fail", "ok"]
        // Down for its first two writes, back for the third.
        let destination = MockStorageBackend(id: "dlq", storeFailures: .firstCalls(2, .mockFailure(.connection, retryable: true)))
        try await destination.connect()
        let spool = MockSpool()
        let sink = BackendDeadLetterSink(backend: destination, spool: spool, queue: "dead_letter:p/dlq")
        let pipeline = try Pipeline(
            name: "p", sources: [MockDataSource(id: "src", texts: texts)], mode: .interval(.zero, count: texts.count),
            processors: [picky], backends: [MockStorageBackend(id: "db")],
            configuration: PipelineConfiguration(batchSize: 10), errorHandler: MockErrorHandler(), deadLetters: sink,
            spool: spool)
        let report = await pipeline.run()
        #expect(report.status == .completed, "\(report.error?.message ?? "")")
        #expect(report.ledger.mismatches.isEmpty, "\(report.ledger.mismatches)")
        #expect(report.ledger.deadLettersSpooled == 2 && report.ledger.deadLettersLost == 0)
        #expect(destination.records.count == 2, "replayed from the spool once the destination was back")
        #expect(spool.records(in: "dead_letter:p/dlq").isEmpty)
        #expect(report.spooled.isEmpty, "nothing left for the next run")
    }

    @Test func deadLettersTheSpoolCannotTakeEitherAreLost() async throws {
        let destination = MockStorageBackend(id: "dlq", storeFailures: .always(.mockFailure(.storage, message: "disk full")))
        try await destination.connect()
        let sink = BackendDeadLetterSink(backend: destination, spool: MockSpool(capacity: 0))
        await sink.deadLetter(DeadLetter(record: Record("x", sourceID: "s", sequence: 1), error: .mockFailure()))
        let tally = try #require(sink.tally)
        #expect(tally.lost == 1 && tally.spooled == 0 && tally.written == 0)
        #expect(tally.lastError?.message.contains("disk full") == true)
        #expect(tally.lastError?.message.contains("the spool could not take it either") == true, "\(tally.lastError?.message ?? "")")
    }
}
