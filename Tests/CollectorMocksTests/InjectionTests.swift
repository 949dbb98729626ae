import CollectorMocks
import CollectorValues
import Collectors
import Testing

/// The mocks' injected failures and delays, and what the engine makes of
/// them. Delays are gates, never sleeps that a test would have to wait out.
// The time limit only guards against a hang (a lost wake-up); no test measures speed.
@Suite("Mock failures and delays", .timeLimit(.minutes(1)))
struct InjectionTests {
    let boom = ErrorInfo.mockFailure(message: "boom")
    let transient = ErrorInfo.mockFailure(.connection, message: "transient", retryable: true)

    func records(_ values: [DataValue]) -> [Record] {
        values.enumerated().map { Record($1, sourceID: "s", sequence: UInt64($0 + 1)) }
    }

    // MARK: MockEventEmitter

    @Test func mockEventEmitterLosesAndHoldsDeliveriesOnCue() async {
        let gate = TestGate()
        let emitter = MockEventEmitter(deliveryFailures: .onCall(2), deliveryDelay: .gate(gate))
        let seen = Seen()
        emitter.subscribeAll { seen.add($0.source) }
        emitter.emit(.retry, source: "a")
        emitter.emit(.retry, source: "b")
        emitter.emit(.error, source: "c")
        // emit returned at once, deliveries held or not: every event is recorded.
        #expect(emitter.events.map(\.source) == ["a", "b", "c"])
        #expect(emitter.failedDeliveries.map(\.source) == ["b"])
        await gate.waitForArrivals(1)
        #expect(seen.values.isEmpty, "the first delivery waits at the gate, the others behind it")
        gate.open()
        await emitter.drain()
        #expect(seen.values == ["a", "c"])
        emitter.reset()
        #expect(emitter.events.isEmpty && emitter.failedDeliveries.isEmpty)
    }

    /// Events lost, events stuck behind a subscriber that does not return,
    /// a subscriber that throws: the data path does not notice.
    @Test func aPipelineStoresEverythingWhileItsEmitterLosesAndHoldsEvents() async throws {
        let gate = TestGate()
        let emitter = MockEventEmitter(deliveryFailures: .firstCalls(3), deliveryDelay: .gate(gate))
        let handled = Seen()
        emitter.subscribeAll { event in
            handled.add(event.type.rawValue)
            throw ErrorInfo.mockFailure(message: "subscriber down")
        }
        let source = MockDataSource(id: "a", texts: ["x", "y", "z"])
        let backend = MockStorageBackend(id: "db")
        let pipeline = try Pipeline(
            sources: [source], mode: .interval(.zero, count: 3), backends: [backend],
            configuration: PipelineConfiguration(batchSize: 2), errorHandler: MockErrorHandler(), emitter: emitter)
        let report = await pipeline.run()
        #expect(report.status == .completed)
        #expect(backend.records == ["x", "y", "z"])
        #expect(report.storage.stored == ["db": 3])
        #expect(handled.values.isEmpty, "the run ended while every delivery still waited at the gate")
        #expect(!emitter.events(of: .storageComplete).isEmpty)
        #expect(emitter.events(of: .pipelineStopped).count == 1)
        #expect(emitter.failedDeliveries.count == 3)
        gate.open()
        await emitter.drain()
        #expect(handled.values.count == emitter.events.count - 3)
        #expect(emitter.handlerFailures == handled.values.count)
    }

    // MARK: MockErrorHandler

    @Test func mockErrorHandlerWaitsAndFailsOnCue() async {
        let gate = TestGate()
        let handler = MockErrorHandler(failures: .onCall(2), delay: .gate(gate))
        let first = Task { await handler.handle(transient) }
        await gate.waitForArrivals(1)
        #expect(handler.errors == [transient], "recorded as it came, before answering")
        gate.open()
        #expect(await first.value == .retry)
        // The second call fails: the handler answers its fallback, `.log`.
        #expect(await handler.handle(transient) == .log)
        #expect(handler.unhandled == [transient])
        #expect(await handler.handle(transient) == .retry)

        let stopping = MockErrorHandler(always: .retry, failures: .always(), fallback: .stop)
        #expect(await stopping.handle(boom) == .stop)
        #expect(stopping.errors == [boom] && stopping.unhandled == [boom])

        let never = TestGate()
        let stuck = MockErrorHandler(always: .retry, delay: .gate(never))
        let waiting = Task { await stuck.handle(boom) }
        await never.waitForArrivals(1)
        waiting.cancel()
        #expect(await waiting.value == .log, "a delay cut short by cancellation fails the call")
        #expect(stuck.unhandled == [boom])
    }

    /// A retry waits for the handler's decision: nothing is tried again
    /// while a slow handler has not answered.
    @Test func aStorageRetryWaitsForASlowHandler() async throws {
        let gate = TestGate()
        let handler = MockErrorHandler(delay: .gate(gate))
        let backend = MockStorageBackend(id: "db", storeFailures: .onCall(1, transient))
        let manager = StorageManager(
            backends: [backend],
            configuration: .init(batchSize: 2, retryPolicy: RetryPolicy(maxAttempts: 3, initialDelay: .zero, jitter: .none)),
            errorHandler: handler, clock: ImmediateClock())
        try await manager.connectBackends()
        let submit = Task { await manager.submit(records([1, 2])) }
        await gate.waitForArrivals(1)
        #expect(backend.storeCallCount == 1, "not retried before the handler answered")
        gate.open()
        await submit.value
        #expect(backend.storeCallCount == 2)
        #expect(backend.records == [1, 2])
        #expect(await manager.statistics.retries == 1)
    }

    /// A handler that fails answers its fallback (`.log`): the retryable
    /// write is not retried, its records go to the dead-letter sink, and
    /// the next batch is stored as usual.
    @Test func aFailingHandlerGetsNoRetry() async throws {
        let handler = MockErrorHandler(failures: .onCall(1))
        let backend = MockStorageBackend(id: "db", storeFailures: .onCall(1, transient))
        let sink = InMemoryDeadLetterSink()
        let manager = StorageManager(
            backends: [backend], configuration: .init(batchSize: 2), errorHandler: handler, deadLetters: sink,
            clock: ImmediateClock())
        try await manager.connectBackends()
        await manager.submit(records([1, 2, 3, 4]))
        #expect(backend.storeCallCount == 2, "the failed batch was not tried again")
        #expect(handler.unhandled.map(\.message) == ["transient"])
        #expect(sink.letters.map(\.record.value) == [1, 2])
        #expect(backend.records == [3, 4])
    }

    // MARK: MockProcessor

    @Test func mockProcessorHoldsEachRecordForItsDelay() async {
        let gate = TestGate()
        let processor = MockProcessor(name: "slow", delay: .gate(gate))
        let manager = ProcessingManager(processors: [processor], errorHandler: MockErrorHandler())
        let done = Seen()
        let batch = Task {
            let output = await manager.process(batch: records(["a", "b"]))
            done.add("done")
            return output
        }
        await gate.waitForArrivals(1)
        #expect(done.values.isEmpty)
        #expect(processor.processed.map(\.value) == ["a"], "the second record waits for the first")
        gate.open()
        #expect(await batch.value.map(\.value) == ["a", "b"])
        #expect(processor.batchSizes == [2])

        let sleeper = MockProcessor(name: "sleepy", delay: .sleep(.milliseconds(1)))
        let output = await ProcessingManager(processors: [sleeper], errorHandler: MockErrorHandler()).process(batch: records([1, 2]))
        #expect(output.map(\.value) == [1, 2])
        #expect(sleeper.callCount == 2)
    }

    /// A processor stuck in its delay is cancelled with the task that runs
    /// it: its records fail (dead-lettered), they are not lost silently.
    @Test func aCancelledDelayFailsTheRecords() async {
        let never = TestGate()
        let processor = MockProcessor(name: "stuck", delay: .gate(never))
        let sink = InMemoryDeadLetterSink()
        let manager = ProcessingManager(
            processors: [processor], errorHandler: MockErrorHandler(always: .deadLetter), deadLetters: sink)
        let batch = Task { await manager.process(batch: records(["a"])) }
        await never.waitForArrivals(1)
        batch.cancel()
        #expect(await batch.value.isEmpty)
        #expect(sink.letters.map(\.error.type) == [.cancelled])
        #expect(await manager.statistics.failed == 1)
    }
}
