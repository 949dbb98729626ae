import CollectorMocks
import CollectorValues
import Collectors
import Testing

@Suite("ProcessingManager")
struct ProcessingManagerTests {
    /// Doubles integers.
    let double = MockProcessor(name: "double", transform: { r in .success(r.with(value: .integer((r.value.intValue ?? 0) * 2))) })

    @Test func processorsRunInOrder() async {
        let addOne = MockProcessor(name: "add_one", transform: { r in .success(r.with(value: .integer((r.value.intValue ?? 0) + 1))) })
        let manager = ProcessingManager(processors: [double, addOne], errorHandler: MockErrorHandler())
        let out = await manager.process(batch: records(3))
        #expect(out.map(\.value) == [1, 3, 5])
        #expect(await manager.processorNames == ["double", "add_one"])
        #expect(double.batchSizes == [3], "a batch is one call per processor")
    }

    /// A processor that only looks (the aggregate) sees each batch once,
    /// and the records go on to the next processor as they were: same
    /// values, ids, sequences and order, all counted as output.
    @Test func anObservingProcessorPassesTheBatchOnAsItIs() async {
        let tally = AggregateProcessor(name: "tally", statistics: ["n"])
        let input = (1...5).map { record(["n": .integer(Int64($0))], sequence: UInt64($0)) }
        let seen = MockProcessor(name: "seen", transform: { .success($0) })
        let manager = ProcessingManager(processors: [tally, seen], errorHandler: MockErrorHandler())
        let out = await manager.process(batch: input)
        #expect(out.map(\.value) == input.map(\.value))
        #expect(out.map(\.id) == input.map(\.id))
        #expect(out.map(\.sequence) == [1, 2, 3, 4, 5])
        #expect(seen.batchSizes == [5])
        #expect(tally.result.statistics["n"]?.sum == 15)
        #expect(tally.result.records == 5)
        let stats = await manager.statistics
        #expect(stats.input == 5 && stats.output == 5 && stats.dropped == 0 && stats.failed == 0)
        // Asked for results, it keeps every record.
        let results = await tally.process(batch: input)
        #expect(results.map(\.success) == [true, true, true, true, true])
        #expect(results.map { $0.records.map(\.sequence) } == [[1], [2], [3], [4], [5]])
        #expect(tally.result.records == 10)
    }

    @Test func processorsMayFilterOrSplit() async {
        let evensOnly = MockProcessor(name: "evens", transform: { r in
            (r.value.intValue ?? 1).isMultiple(of: 2) ? .success(r) : .dropped
        })
        let split = MockProcessor(name: "split", transform: { r in .success([r, r.with(value: "copy")]) })
        let manager = ProcessingManager(processors: [evensOnly, split], errorHandler: MockErrorHandler())
        let out = await manager.process(batch: records(4))
        #expect(out.map(\.value) == [0, "copy", 2, "copy"])
        #expect(out.map(\.sequence) == [1, 1, 3, 3])
        let stats = await manager.statistics
        #expect(stats.input == 4 && stats.output == 4 && stats.dropped == 2 && stats.failed == 0)
    }

    @Test func aFailingRecordIsDeadLetteredAndTheRestGoesOn() async throws {
        let sink = InMemoryDeadLetterSink()
        let emitter = MockEventEmitter()
        let handler = MockErrorHandler()
        let picky = MockProcessor(
            name: "picky", failWhen: { $0.value == 2 },
            failWhenError: ErrorInfo(.processing, layer: .processing, operation: "process", message: "no twos"))
        let thrower = MockProcessor(name: "thrower", failures: .onCall(2, permanent))
        let manager = ProcessingManager(
            processors: [picky, thrower, double], errorHandler: handler, deadLetters: sink, emitter: emitter)
        let out = await manager.process(batch: records(5))
        // 2 fails in picky; the second record thrower sees (1) fails there.
        #expect(out.map(\.value) == [0, 6, 8])
        let letters = sink.letters
        #expect(letters.map(\.record.value) == [2, 1])
        #expect(letters.map { $0.error.details["processor"] } == ["picky", "thrower"])
        #expect(letters[0].error.message == "no twos")
        #expect(letters[0].error.details["sequence"] == 3)
        #expect(handler.errors.count == 2)
        let stats = await manager.statistics
        #expect(stats.input == 5 && stats.output == 3 && stats.failed == 2 && stats.deadLettered == 2)
        #expect(emitter.events(of: .deadLetter).count == 2)
        #expect(emitter.events(of: .processingFailed).count == 2)
        #expect(emitter.events(of: .processingComplete).last?.data["failed"] == 2)
    }

    @Test func aLogDecisionDropsWithoutDeadLetteringAndStopIsRemembered() async {
        let sink = InMemoryDeadLetterSink()
        let failing = MockProcessor(name: "f", failures: .always(permanent))
        let logOnly = ProcessingManager(processors: [failing], errorHandler: MockErrorHandler(always: .log), deadLetters: sink)
        #expect(await logOnly.process(batch: records(2)).isEmpty)
        #expect(sink.letters.isEmpty)
        #expect(await logOnly.statistics.failed == 2)
        #expect(await !logOnly.stopRequested)

        let stopping = ProcessingManager(processors: [failing], errorHandler: MockErrorHandler(always: .stop), deadLetters: sink)
        _ = await stopping.process(record(1))
        #expect(await stopping.stopRequested)
        #expect(sink.letters.count == 1, "stopping does not lose the record")
    }

    @Test func invalidInputIsAValidationError() async {
        struct OnlyObjects: Processor {
            let name = "only_objects"
            func validateInput(_ record: Record) -> Bool { record.value.objectValue != nil }
            func process(_ record: Record) async throws -> ProcessingResult { .success(record) }
        }
        let sink = InMemoryDeadLetterSink()
        let manager = ProcessingManager(processors: [OnlyObjects()], errorHandler: MockErrorHandler(), deadLetters: sink)
        let out = await manager.process(batch: [record(["a": 1]), record(5)])
        #expect(out.count == 1)
        #expect(sink.letters.first?.error.type == .validation)
        #expect(sink.letters.first?.error.details["processor"] == "only_objects")
    }

    @Test func aBatchProcessorReturningTheWrongCountFailsItsBatch() async {
        struct Broken: Processor {
            let name = "broken"
            func process(_ record: Record) async throws -> ProcessingResult { .success(record) }
            func process(batch records: [Record]) async -> [ProcessingResult] { [] }
        }
        let sink = InMemoryDeadLetterSink()
        let manager = ProcessingManager(processors: [Broken()], errorHandler: MockErrorHandler(), deadLetters: sink)
        #expect(await manager.process(batch: records(3)).isEmpty)
        #expect(sink.letters.count == 3)
        #expect(sink.letters.first?.error.message.contains("returned 0 results for 3 records") == true)
    }

    @Test func processorsCanBeReplacedBetweenBatches() async {
        let manager = ProcessingManager(processors: [double], errorHandler: MockErrorHandler())
        #expect(await manager.process(record(2)).map(\.value) == [4])
        await manager.setProcessors([])
        #expect(await manager.process(record(2)).map(\.value) == [2])
    }
}
