import CollectorMocks
import CollectorValues
import Collectors
import Testing

// The time limit only guards against a hang (a lost wake-up); no test measures speed.
@Suite("CollectionManager", .timeLimit(.minutes(1)))
struct CollectionManagerTests {
    let fastRetry = RetryPolicy(maxAttempts: 3, initialDelay: .milliseconds(10), jitter: .none, deadline: nil)

    func drain(_ queue: BoundedQueue<CollectedData>) async -> [String] {
        queue.finish()
        var texts: [String] = []
        for await item in queue { texts.append(String(decoding: item.payload, as: UTF8.self)) }
        return texts
    }

    @Test func runsEachSourceOnceAndReportsStatuses() async throws {
        let queue = BoundedQueue<CollectedData>(capacity: 10)
        let emitter = MockEventEmitter()
        let manager = CollectionManager(output: queue, errorHandler: MockErrorHandler(), emitter: emitter)
        let a = MockDataSource(id: "a", texts: ["a1"])
        let b = MockDataSource(id: "b", texts: ["b1"])
        try await manager.register(a)
        try await manager.register(b)
        #expect(await manager.status(of: "a") == .idle)
        await manager.run()
        #expect(Set(await drain(queue)) == ["a1", "b1"])
        #expect(await manager.statuses == ["a": .completed, "b": .completed])
        #expect(a.calls == ["connect", "collect", "disconnect"])
        #expect(await manager.statistics.collected == 2)
        #expect(emitter.events(of: .collectionComplete).count == 2)
        #expect(emitter.events(of: .collectionStarted).count == 2)
        let transitions = emitter.events(of: .sourceStatusChanged).filter { $0.source == "a" }.compactMap {
            $0.data["to"]?.stringValue
        }
        #expect(transitions == ["connecting", "connected", "collecting", "connected", "completed"])
    }

    @Test func aDuplicateIDIsRejected() async throws {
        let manager = CollectionManager(output: BoundedQueue(capacity: 1), errorHandler: MockErrorHandler())
        try await manager.register(MockDataSource(id: "a", texts: ["x"]))
        await #expect(throws: ErrorInfo.self) { try await manager.register(MockDataSource(id: "a", texts: ["y"])) }
    }

    @Test func retryableFailuresAreRetriedAndEmitted() async throws {
        let queue = BoundedQueue<CollectedData>(capacity: 10)
        let emitter = MockEventEmitter()
        let handler = MockErrorHandler()
        let manager = CollectionManager(
            output: queue, retryPolicy: fastRetry, errorHandler: handler, emitter: emitter, clock: ImmediateClock())
        let source = MockDataSource(id: "api", texts: ["ok"], collectFailures: .firstCalls(2, transient))
        try await manager.register(source)
        await manager.run()
        #expect(await drain(queue) == ["ok"])
        #expect(source.collectCallCount == 3)
        #expect(handler.errors.count == 2)
        #expect(handler.errors.allSatisfy { $0.details["source_id"] == "api" })
        let retries = emitter.events(of: .retry)
        #expect(retries.map { $0.data["attempt"] } == [1, 2])
        #expect(await manager.statistics.retries == 2)
        #expect(await manager.status(of: "api") == .completed)
    }

    @Test func aPermanentFailureFailsTheSourceOnceAndIsReported() async throws {
        let queue = BoundedQueue<CollectedData>(capacity: 10)
        let emitter = MockEventEmitter()
        let handler = MockErrorHandler()
        let manager = CollectionManager(
            output: queue, retryPolicy: fastRetry, errorHandler: handler, emitter: emitter, clock: ImmediateClock())
        let source = MockDataSource(id: "api", texts: ["x"], collectFailures: .always(permanent))
        try await manager.register(source)
        await manager.run()
        #expect(await drain(queue).isEmpty)
        #expect(source.collectCallCount == 1, "not retried")
        #expect(handler.errors.map(\.message) == ["permanent"])
        #expect(emitter.events(of: .collectionFailed).count == 1)
        #expect(await manager.status(of: "api") == .failed)
        #expect(await manager.statistics.failed == 1)
        #expect(!source.isConnected)
    }

    @Test func intervalSourcesSkipFailedCollectionsAndGoOn() async throws {
        let queue = BoundedQueue<CollectedData>(capacity: 10)
        let clock = ImmediateClock()
        let manager = CollectionManager(
            output: queue, retryPolicy: .never, errorHandler: MockErrorHandler(always: .log), clock: clock)
        let source = MockDataSource(id: "poll", texts: ["1", "2", "3", "4"], collectFailures: .onCall(2, transient))
        try await manager.register(source, mode: .interval(.seconds(30), count: 4))
        await manager.run()
        #expect(await drain(queue) == ["1", "3", "4"])
        #expect(clock.sleeps == [.seconds(30), .seconds(30), .seconds(30)])
        #expect(await manager.statistics.failed == 1)
    }

    @Test func aCriticalErrorOrAStopDecisionEndsAnIntervalSource() async throws {
        for (failure, handler) in [
            (ErrorInfo.mockFailure(.authentication, critical: true), MockErrorHandler(always: .log)),
            (permanent, MockErrorHandler(always: .stop)),
        ] {
            let queue = BoundedQueue<CollectedData>(capacity: 10)
            let manager = CollectionManager(
                output: queue, retryPolicy: .never, errorHandler: handler, clock: ImmediateClock())
            let source = MockDataSource(id: "poll", texts: ["1", "2", "3"], collectFailures: .onCall(2, failure))
            try await manager.register(source, mode: .interval(.seconds(1), count: 10))
            await manager.run()
            #expect(await drain(queue) == ["1"])
            #expect(source.collectCallCount == 2)
            #expect(await manager.status(of: "poll") == .failed)
            #expect(!source.isConnected)
        }
    }

    @Test func aSourceThatCannotConnectFailsAfterRetries() async throws {
        let handler = MockErrorHandler()
        let manager = CollectionManager(
            output: BoundedQueue(capacity: 1), retryPolicy: fastRetry, errorHandler: handler, clock: ImmediateClock())
        let source = MockDataSource(id: "down", texts: ["x"], connectFailures: .always(transient))
        try await manager.register(source)
        await manager.run()
        #expect(source.connectCallCount == 3)
        #expect(source.collectCallCount == 0)
        #expect(source.disconnectCallCount == 1)
        #expect(handler.errors.count == 3)
        #expect(await manager.status(of: "down") == .failed)
    }

    /// A source whose connect never answers is cut off by the connect timeout
    /// (real time: the clock only drives the retry delays), retried, then fails.
    @Test func aSourceWhoseConnectHangsIsCutOffByTheConnectTimeout() async throws {
        let handler = MockErrorHandler()
        let emitter = MockEventEmitter()
        let manager = CollectionManager(
            output: BoundedQueue(capacity: 1), retryPolicy: RetryPolicy(maxAttempts: 2, initialDelay: .zero, jitter: .none),
            connectTimeout: .milliseconds(50), errorHandler: handler, emitter: emitter, clock: ImmediateClock())
        let never = TestGate()
        let source = MockDataSource(id: "stuck", texts: ["x"], connectDelay: .gate(never))
        try await manager.register(source)
        await manager.run()
        #expect(await manager.status(of: "stuck") == .failed)
        #expect(source.connectCallCount == 2)
        #expect(source.collectCallCount == 0)
        #expect(handler.errors.map(\.type) == [.timeout, .timeout])
        #expect(handler.errors.allSatisfy { $0.details["source_id"] == "stuck" && $0.operation == "connect" })
        let failed = try #require(emitter.events(of: .collectionFailed).first)
        #expect(failed.data["type"] == "timeout")
        #expect(failed.data["details"]?["source_id"] == "stuck")
        #expect(failed.data["message"]?.stringValue?.contains("timed out") == true)
    }

    @Test func streamsAreForwardedAndRetried() async throws {
        let queue = BoundedQueue<CollectedData>(capacity: 10)
        let manager = CollectionManager(
            output: queue, retryPolicy: fastRetry, errorHandler: MockErrorHandler(), clock: ImmediateClock())
        // The first stream drops after its items; the second ends cleanly.
        let source = MockDataSource(id: "sse", texts: ["e1", "e2"], streamFailures: .onCall(1, transient))
        try await manager.register(source, mode: .stream)
        await manager.run()
        #expect(await drain(queue) == ["e1", "e2", "e1", "e2"])
        #expect(source.calls.filter { $0 == "stream" }.count == 2)
        #expect(await manager.status(of: "sse") == .completed)
    }

    /// The retry budget is for one outage: a stream that delivers between
    /// its failures is never given up on, however many there are in its life.
    @Test func aStreamThatProgressesBetweenFailuresGetsAFreshBudget() async throws {
        let queue = BoundedQueue<CollectedData>(capacity: 20)
        let manager = CollectionManager(
            output: queue, retryPolicy: fastRetry, errorHandler: MockErrorHandler(), clock: ImmediateClock())
        let source = MockDataSource(id: "feed", texts: ["e"], streamFailures: .firstCalls(5, transient))
        try await manager.register(source, mode: .stream)
        await manager.run()
        #expect(await drain(queue).count == 6)
        #expect(source.calls.filter { $0 == "stream" }.count == 6)
        #expect(await manager.status(of: "feed") == .completed)
    }

    @Test func aStreamFailingWithoutProgressFailsForGoodAndSaysWhy() async throws {
        let manager = CollectionManager(
            output: BoundedQueue(capacity: 1), retryPolicy: fastRetry, errorHandler: MockErrorHandler(),
            clock: ImmediateClock())
        /// A stream that fails at once, every time (a server that is down).
        final class Down: DataSource {
            let id = "feed"
            let streams = Locked(0)
            func connect() async throws {}
            func disconnect() async {}
            func collect() async throws -> CollectedData { throw transient }
            func stream() -> AsyncThrowingStream<CollectedData, any Error> {
                streams.withLock { $0 += 1 }
                return AsyncThrowingStream { $0.finish(throwing: transient) }
            }
        }
        let source = Down()
        try await manager.register(source, mode: .stream)
        await manager.run()
        #expect(source.streams.withLock { $0 } == 3)
        #expect(await manager.status(of: "feed") == .failed)
        #expect(await manager.statistics.failed == 1)
        #expect(await manager.failures["feed"]?.message == "transient")
        let failure = await manager.sourceFailure
        #expect(failure?.message == "source 'feed' failed: transient")
        #expect(failure?.details["source_id"] == .string("feed"))
        #expect(await manager.readiness.reasons == ["source 'feed' failed: transient"])
    }

    @Test func aSourceThatCannotStreamFailsInStreamMode() async throws {
        struct PollOnly: DataSource {
            let id = "poll_only"
            func connect() async throws {}
            func disconnect() async {}
            func collect() async throws -> CollectedData {
                CollectedData(sourceID: id, format: .text, method: .mock, payload: [])
            }
        }
        let handler = MockErrorHandler()
        let manager = CollectionManager(output: BoundedQueue(capacity: 1), errorHandler: handler)
        try await manager.register(PollOnly(), mode: .stream)
        await manager.run()
        #expect(await manager.status(of: "poll_only") == .failed)
        #expect(handler.errors.map(\.type) == [.configuration])
    }

    @Test func atMostNCollectionsRunAtOnce() async throws {
        let queue = BoundedQueue<CollectedData>(capacity: 10)
        let gate = TestGate()
        let manager = CollectionManager(
            output: queue, maxConcurrentCollections: 2, errorHandler: MockErrorHandler())
        let sources = (0..<5).map { MockDataSource(id: "s\($0)", texts: ["x"], collectDelay: .gate(gate)) }
        for source in sources { try await manager.register(source) }
        let run = Task { await manager.run() }
        await gate.waitForArrivals(2)
        // Let every source get as far as it can; only two may be inside collect().
        for _ in 0..<50 { await Task.yield() }
        #expect(gate.arrivals == 2)
        gate.open()
        await run.value
        #expect(await manager.statistics.collected == 5)
        #expect(gate.arrivals == 5)
    }

    @Test func stopCancelsAndDisconnects() async throws {
        let queue = BoundedQueue<CollectedData>(capacity: 100)
        let clock = ManualClock()
        let manager = CollectionManager(output: queue, errorHandler: MockErrorHandler(), clock: clock)
        let source = MockDataSource(id: "poll", texts: ["x"])
        try await manager.register(source, mode: .interval(.seconds(60)))
        let run = Task { await manager.run() }
        // The source has collected once and sleeps until the next tick.
        await clock.waitForSleepers(1)
        await manager.stop()
        await run.value
        #expect(source.collectCallCount == 1)
        #expect(!source.isConnected)
        #expect(await manager.status(of: "poll") == .disconnected)
        // A stopped manager stays stopped.
        await manager.run()
        #expect(source.connectCallCount == 1)
    }

    @Test func aFullOutputQueueHoldsCollectionBack() async throws {
        let queue = BoundedQueue<CollectedData>(capacity: 2)
        let manager = CollectionManager(output: queue, errorHandler: MockErrorHandler(), clock: ImmediateClock())
        let source = MockDataSource(id: "poll", texts: ["x"])
        try await manager.register(source, mode: .interval(.seconds(1), count: 20))
        let run = Task { await manager.run() }
        while queue.waitingSenderCount == 0 { await Task.yield() }
        // Two buffered, one waiting to be accepted: the source is held at its third item.
        #expect(source.collectCallCount == 3)
        var received = 0
        while await queue.receive() != nil {
            received += 1
            if received == 20 { break }
        }
        await run.value
        #expect(received == 20)
        #expect(queue.maxDepth <= 2)
    }
}
