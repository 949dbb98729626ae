import CollectorMocks
import CollectorValues
import Collectors
import Testing

// The time limit only guards against a hang (a lost wake-up); no test measures speed.
@Suite("Pipeline", .timeLimit(.minutes(1)))
struct PipelineTests {
    let upper = MockProcessor(name: "upper", transform: { r in .success(r.with(value: .string((r.value.stringValue ?? "").uppercased()))) })

    @Test func sourcesFlowThroughProcessorsIntoEveryBackend() async throws {
        let emitter = MockEventEmitter()
        let a = MockDataSource(id: "a", texts: ["a1"])
        let b = MockDataSource(id: "b", texts: ["b1"])
        let first = MockStorageBackend(id: "first")
        let second = MockStorageBackend(id: "second")
        let pipeline = try Pipeline(
            sources: [a, b], processors: [upper], backends: [first, second],
            configuration: PipelineConfiguration(queueCapacity: 4, batchSize: 10),
            errorHandler: MockErrorHandler(), emitter: emitter)
        let report = await pipeline.run()
        #expect(report.status == .completed)
        #expect(Set(first.records) == ["A1", "B1"])
        #expect(Set(second.records) == ["A1", "B1"])
        #expect(report.collection.collected == 2)
        #expect(report.processing.input == 2 && report.processing.output == 2)
        #expect(report.storage.stored == ["first": 2, "second": 2])
        #expect(report.acknowledged == ["a": 1, "b": 1])
        #expect(report.sources == ["a": .completed, "b": .completed])
        #expect(!first.isConnected && !a.isConnected)
        #expect(emitter.events(of: .pipelineStarted).count == 1)
        #expect(emitter.events(of: .pipelineStopped).first?.data["status"] == "completed")
    }

    /// A source that fails for good fails the run, naming it; the other sources' records are still stored.
    @Test func aSourceThatFailsForGoodFailsTheRun() async throws {
        let good = MockDataSource(id: "good", texts: ["g1"])
        let missing = MockDataSource(id: "missing", texts: ["never"], connectFailures: .always(permanent))
        let backend = MockStorageBackend(id: "db")
        let pipeline = try Pipeline(
            sources: [good, missing], backends: [backend], errorHandler: MockErrorHandler(), clock: ImmediateClock())
        let report = await pipeline.run()
        #expect(report.status == .failed)
        #expect(report.error?.message == "source 'missing' failed: permanent")
        #expect(report.error?.details["source_id"] == .string("missing"))
        #expect(report.sources == ["good": .completed, "missing": .failed])
        #expect(report.collection.failed == 1)
        #expect(backend.records.count == 1)
    }

    @Test func everyEventNamesItsPipeline() async throws {
        let emitter = MockEventEmitter()
        let failing = MockStorageBackend(id: "down", storeFailures: .always())
        let pipelines = try ["north", "south"].map { name in
            try Pipeline(
                name: name, sources: [MockDataSource(id: "\(name)-src", texts: ["x"])], processors: [upper],
                backends: [MockStorageBackend(id: "\(name)-db"), failing],
                configuration: PipelineConfiguration(batchSize: 1, retryPolicy: .never), emitter: emitter)
        }
        for pipeline in pipelines { _ = await pipeline.run() }
        let events = emitter.events
        #expect(Set(events.map(\.type)).isSuperset(of: [.pipelineStarted, .processingComplete, .storageComplete, .storageFailed, .error]))
        #expect(events.allSatisfy { $0.data["pipeline"] == "north" || $0.data["pipeline"] == "south" }, "\(events.filter { $0.data["pipeline"] == nil })")
        #expect(events.filter { $0.type == .pipelineStopped }.map { $0.data["pipeline"] } == ["north", "south"])
        // An event that names its pipeline already keeps that name.
        PipelineEventEmitter(base: emitter, pipeline: "outer").emit(.error, source: "x", data: ["pipeline": "inner"])
        #expect(emitter.events.last?.data["pipeline"] == "inner")
    }

    @Test func aFailingRecordIsDeadLetteredAndTheRunGoesOn() async throws {
        let source = MockDataSource(id: "lines", texts: ["ok1", "bad", "ok2"])
        let picky = MockProcessor(name: "picky", failWhen: { $0.value == "bad" })
        let backend = MockStorageBackend()
        let sink = InMemoryDeadLetterSink()
        let pipeline = try Pipeline(
            sources: [source], mode: .interval(.zero, count: 3), processors: [picky], backends: [backend],
            configuration: PipelineConfiguration(batchSize: 1), errorHandler: MockErrorHandler(), deadLetters: sink)
        let report = await pipeline.run()
        #expect(backend.records == ["ok1", "ok2"])
        #expect(sink.letters.map(\.record.value) == ["bad"])
        #expect(sink.letters.first?.record.sequence == 2)
        #expect(sink.letters.first?.error.details["processor"] == "picky")
        #expect(report.processing.failed == 1)
        #expect(report.acknowledged == ["lines": 3])
    }

    @Test func stopDrainsWhatWasCollected() async throws {
        let clock = ManualClock()
        let source = MockDataSource(id: "poll", texts: ["x"])
        let gate = TestGate()
        let backend = MockStorageBackend(storeDelay: .gate(gate))
        let pipeline = try Pipeline(
            sources: [source], mode: .interval(.seconds(10)), backends: [backend],
            configuration: PipelineConfiguration(batchSize: 1), errorHandler: MockErrorHandler(), clock: clock)
        let run = Task { await pipeline.run() }
        // One item collected and on its way into the (blocked) backend; the source
        // sleeps until its next tick (the second sleeper is the batch-age timer).
        await gate.waitForArrivals(1)
        await clock.waitForSleepers(2)
        await pipeline.stop()
        gate.open()
        let report = await run.value
        #expect(report.status == .cancelled)
        #expect(backend.records == ["x"], "the collected record was stored, not dropped")
        #expect(report.sources["poll"] == .disconnected)
        #expect(!source.isConnected && !backend.isConnected)
    }

    /// An error no retry fixes (bad configuration, refused credentials) fails
    /// the run at once, even with a handler that would have retried it, and
    /// the error names the backend.
    @Test(arguments: [
        permanent,
        ErrorInfo.mockFailure(.authentication, layer: .storage, operation: "connect", message: "password refused"),
    ])
    func aBackendThatCannotConnectFailsTheRun(_ failure: ErrorInfo) async throws {
        for handler in [MockErrorHandler(), MockErrorHandler(always: .retry)] {
            let source = MockDataSource(id: "a", texts: ["x"])
            let backend = MockStorageBackend(connectFailures: .always(failure))
            let pipeline = try Pipeline(sources: [source], backends: [backend], errorHandler: handler)
            let report = await pipeline.run()
            #expect(report.status == .failed)
            #expect(report.error?.type == failure.type)
            #expect(report.error?.message == "backend 'mock_storage' could not connect: \(failure.message)")
            #expect(report.error?.details["backend_id"] == "mock_storage")
            #expect(report.error?.details["attempts"] == 1)
            #expect(backend.connectCallCount == 1, "not retried")
            #expect(handler.errors.count == 1)
            #expect(source.collectCallCount == 0)
        }
    }

    /// A backend down at the start (a retryable failure) is retried with the
    /// pipeline's retry policy, and the run goes on once it is up.
    @Test func aBackendThatFailsToConnectRetryablyIsRetriedUntilItConnects() async throws {
        let source = MockDataSource(id: "a", texts: ["x"])
        let handler = MockErrorHandler()
        let emitter = MockEventEmitter()
        let backend = MockStorageBackend(id: "late", connectFailures: .firstCalls(2, transient))
        let policy = RetryPolicy(maxAttempts: 3, initialDelay: .milliseconds(1), jitter: .none)
        let pipeline = try Pipeline(
            sources: [source], backends: [backend], configuration: PipelineConfiguration(retryPolicy: policy),
            errorHandler: handler, emitter: emitter)
        let report = await pipeline.run()
        #expect(report.status == .completed, "\(String(describing: report.error))")
        #expect(backend.records == ["x"])
        #expect(backend.connectCallCount == 3)
        #expect(handler.errors.map(\.message) == ["transient", "transient"])
        #expect(handler.errors.allSatisfy { $0.details["backend_id"] == "late" })
        let retries = emitter.events(of: .retry)
        #expect(retries.map { $0.data["operation"] } == ["connect", "connect"])
        #expect(retries.map { $0.data["backend_id"] } == ["late", "late"])
        #expect(report.storage.retries == 2)
    }

    /// A backend that stays down past the policy's attempts fails the run with its last error.
    @Test func aBackendThatStaysDownFailsTheRunAfterItsAttempts() async throws {
        let source = MockDataSource(id: "a", texts: ["x"])
        let backend = MockStorageBackend(id: "down", connectFailures: .always(transient))
        let policy = RetryPolicy(maxAttempts: 3, initialDelay: .milliseconds(1), jitter: .none)
        let pipeline = try Pipeline(
            sources: [source], backends: [backend], configuration: PipelineConfiguration(retryPolicy: policy),
            errorHandler: MockErrorHandler())
        let report = await pipeline.run()
        #expect(report.status == .failed)
        #expect(report.error?.message == "backend 'down' could not connect: transient")
        #expect(report.error?.details["attempts"] == 3)
        #expect(backend.connectCallCount == 3)
        #expect(source.collectCallCount == 0)
    }

    /// A connect that never answers is cut off by the connect timeout (then
    /// retried, as a timeout may pass), and the error says so, naming the backend.
    @Test func aBackendWhoseConnectHangsIsCutOffByTheConnectTimeout() async throws {
        let source = MockDataSource(id: "a", texts: ["x"])
        let handler = MockErrorHandler()
        let never = TestGate()
        let stuck = MockStorageBackend(id: "stuck", connectDelay: .gate(never))
        let other = MockStorageBackend(id: "other")
        let policy = RetryPolicy(maxAttempts: 2, initialDelay: .milliseconds(1), jitter: .none)
        let pipeline = try Pipeline(
            sources: [source], backends: [other, stuck],
            configuration: PipelineConfiguration(retryPolicy: policy, connectTimeout: .milliseconds(50)),
            errorHandler: handler)
        let report = await pipeline.run()
        #expect(report.status == .failed)
        let error = try #require(report.error)
        #expect(error.type == .timeout)
        #expect(error.message.contains("timed out"), "\(error.message)")
        #expect(error.message.hasPrefix("backend 'stuck' could not connect"), "\(error.message)")
        #expect(error.details["backend_id"] == "stuck")
        #expect(error.details["attempts"] == 2)
        #expect(stuck.connectCallCount == 2)
        #expect(handler.errors.map(\.type) == [.timeout, .timeout])
        #expect(source.collectCallCount == 0)
        #expect(!other.isConnected, "the backend connected before it is disconnected again")
        #expect(other.calls == ["connect", "disconnect"])
    }

    /// `stop()` while a backend is still being retried ends the run at once, cancelled, not failed.
    @Test func stoppingWhileABackendIsConnectingEndsTheRunCancelled() async throws {
        let source = MockDataSource(id: "a", texts: ["x"])
        let never = TestGate()
        let backend = MockStorageBackend(id: "slow", connectDelay: .gate(never))
        let pipeline = try Pipeline(
            sources: [source], backends: [backend], configuration: PipelineConfiguration(connectTimeout: nil),
            errorHandler: MockErrorHandler())
        let run = Task { await pipeline.run() }
        await never.waitForArrivals(1)
        await pipeline.stop()
        let report = await run.value
        #expect(report.status == .cancelled)
        #expect(report.error == nil)
        #expect(source.collectCallCount == 0)
        #expect(backend.connectCallCount == 1)
    }

    @Test func jsonSourcesAreValidatedAndStoredTypeFaithfully() async throws {
        let source = MockDataSource(
            id: "sensors",
            values: [["sensor_id": "t1", "value": 1.0], ["value": 2], ["sensor_id": "t3", "value": 3]])
        let undecodable = MockDataSource(id: "broken", payloads: [Array("{nope".utf8)], format: .json)
        let validator = JSONValidationProcessor(requiredFields: ["sensor_id", "value"])
        let backend = MockStorageBackend()
        let sink = InMemoryDeadLetterSink()
        let pipeline = try Pipeline(
            sources: [source, undecodable], mode: .interval(.zero, count: 3), processors: [validator],
            backends: [backend], errorHandler: MockErrorHandler(), deadLetters: sink)
        let report = await pipeline.run()
        let stored = backend.records
        #expect(stored.map { $0["sensor_id"] } == ["t1", "t3"])
        #expect(stored.first?["value"] == .double(1.0))
        #expect(stored.allSatisfy { $0["_validated"] == true })
        // One record without sensor_id, three undecodable payloads.
        #expect(sink.letters.count == 4)
        #expect(sink.letters.filter { $0.record.sourceID == "broken" }.count == 3)
        #expect(report.processing.failed == 4)
        #expect(report.processing.input == 6)
    }

    @Test func duplicateSourceIDsAreRejected() {
        #expect(throws: ErrorInfo.self) {
            try Pipeline(
                sources: [MockDataSource(id: "a", texts: ["x"]), MockDataSource(id: "a", texts: ["y"])],
                backends: [MockStorageBackend()])
        }
    }

    @Test func slowStorageHoldsCollectionBack() async throws {
        let gate = TestGate()
        let source = MockDataSource(id: "poll", texts: ["x"])
        let backend = MockStorageBackend(storeDelay: .gate(gate))
        let pipeline = try Pipeline(
            sources: [source], mode: .interval(.zero, count: 100), backends: [backend],
            configuration: PipelineConfiguration(queueCapacity: 2, batchSize: 1), errorHandler: MockErrorHandler())
        let run = Task { await pipeline.run() }
        await gate.waitForArrivals(1)
        // Storage holds 1; the record and item queues hold 2 each; processing
        // holds a batch in each of its halves and 1 between them; the source 1 in hand.
        for _ in 0..<200 { await Task.yield() }
        #expect(source.collectCallCount <= 1 + 2 + 1 + 1 + 1 + 2 + 1)
        gate.open()
        let report = await run.value
        #expect(backend.records.count == 100)
        #expect(report.storage.stored[backend.id] == 100)
    }
}
