import CollectorMocks
import CollectorValues
import Collectors
import Testing

// The time limit only guards against a hang (a lost wake-up); no test measures speed.
@Suite("Mocks", .timeLimit(.minutes(1)))
struct MocksTests {
    let boom = ErrorInfo.mockFailure(message: "boom")

    @Test func failurePlansPickTheirCalls() {
        #expect(FailurePlan.none.error(forCall: 1) == nil)
        #expect((1...3).allSatisfy { FailurePlan.always(boom).error(forCall: $0) == boom })
        #expect((1...4).map { FailurePlan.onCall(2, boom).error(forCall: $0) != nil } == [false, true, false, false])
        #expect((1...4).map { FailurePlan.firstCalls(2, boom).error(forCall: $0) != nil } == [true, true, false, false])
        #expect((1...4).map { FailurePlan.fromCall(3, boom).error(forCall: $0) != nil } == [false, false, true, true])
        #expect((1...4).map { FailurePlan.onCalls([1, 4], boom).error(forCall: $0) != nil } == [true, false, false, true])
        #expect(ErrorInfo.mockFailure(retryable: true).isRetryable)
    }

    @Test func mockDataSourceCyclesRecordsAndFailsOnCue() async throws {
        let source = MockDataSource(id: "m", texts: ["a", "b"], collectFailures: .onCall(3, boom))
        await #expect(throws: ErrorInfo.self) { try await source.collect() }  // not connected
        try await source.connect()
        #expect(try await source.collect().payload == Array("b".utf8), "call 2 (the first was refused)")
        await #expect(throws: ErrorInfo.self) { try await source.collect() }
        #expect(try await source.collect().payload == Array("b".utf8))
        let item = try await source.collect()
        #expect(item.sourceID == "m" && item.format == .text && item.method == .mock)
        await source.disconnect()
        #expect(source.calls == ["collect", "connect", "collect", "collect", "collect", "collect", "disconnect"])
    }

    @Test func mockDataSourceStreams() async throws {
        let source = MockDataSource(id: "m", payloads: [[1], [2]], format: .binary, streamFailures: .onCall(2, boom))
        try await source.connect()
        var got: [[UInt8]] = []
        for try await item in source.stream() { got.append(item.payload) }
        #expect(got == [[1], [2]])
        await #expect(throws: ErrorInfo.self) { for try await _ in source.stream() {} }
    }

    @Test func mockStorageBackendStoresQueriesAndDeletes() async throws {
        // Every store call counts, the refused one too: the third fails.
        let backend = MockStorageBackend(id: "mem", storeFailures: .onCall(3, boom))
        await #expect(throws: ErrorInfo.self) { try await backend.store(1) }  // not connected
        try await backend.connect()
        let location = try await backend.store(["n": 3, "name": "c"])
        #expect(location.backendID == "mem")
        await #expect(throws: ErrorInfo.self) { try await backend.store(batch: [["n": 9]]) }
        #expect(backend.records.count == 1, "a failed batch stores nothing")
        _ = try await backend.store(batch: [["n": 1, "name": "a"], ["n": 2, "name": "b"]])
        #expect(try await backend.query(QueryCriteria(sortBy: "n")).map { $0["n"] } == [1, 2, 3])
        #expect(try await backend.query(QueryCriteria(sortBy: "n", sortDirection: .descending, limit: 2)).map { $0["n"] } == [3, 2])
        #expect(try await backend.query(QueryCriteria(filters: ["name": "b"])).map { $0["n"] } == [2])
        #expect(try await backend.query(QueryCriteria(sortBy: "n", offset: 2)).map { $0["n"] } == [3])
        try await backend.delete(locationID: location.locationID)
        #expect(backend.records.count == 2)
        let error = await #expect(throws: ErrorInfo.self) { try await backend.delete(locationID: "nope") }
        #expect(error?.type == .notFound)
    }

    @Test func mockProcessorRecordsAndFails() async throws {
        let processor = MockProcessor(name: "p", failures: .onCall(2, boom), failWhen: { $0.value == "skip" })
        let r = Record("x", sourceID: "s", sequence: 1)
        #expect(try await processor.process(r).records == [r])
        await #expect(throws: ErrorInfo.self) { try await processor.process(r) }
        #expect(try await processor.process(r.with(value: "skip")).success == false)
        let batch = await processor.process(batch: [r, r])
        #expect(batch.count == 2 && batch.allSatisfy(\.success))
        #expect(processor.callCount == 5)
        #expect(processor.batchSizes == [2])
    }

    @Test func mockEventEmitterRecordsAndDelivers() async throws {
        let emitter = MockEventEmitter()
        let seen = Seen()
        emitter.subscribe(to: .retry) { seen.add($0.source) }
        let token = emitter.subscribeAll { _ in throw ErrorInfo.mockFailure() }
        emitter.emit(.retry, source: "a")
        emitter.emit(.error, source: "b")
        await emitter.drain()
        #expect(emitter.events.map(\.source) == ["a", "b"])
        #expect(emitter.events(of: .retry).count == 1)
        #expect(seen.values == ["a"])
        #expect(emitter.handlerFailures == 2)
        emitter.unsubscribe(token)
        #expect(emitter.subscriptionCount == 1)
        emitter.reset()
        #expect(emitter.events.isEmpty)
    }

    @Test func mockErrorHandlerRecordsAndDecides() async {
        let handler = MockErrorHandler()
        #expect(await handler.handle(.mockFailure(retryable: true)) == .retry)
        #expect(await handler.handle(.mockFailure(.processing)) == .deadLetter)
        let fixed = MockErrorHandler(always: .stop)
        #expect(await fixed.handle(boom) == .stop)
        #expect(handler.errors.count == 2 && fixed.errors == [boom])
    }

    @Test func manualClockSleepsUntilAdvanced() async throws {
        let clock = ManualClock()
        let woke = Seen()
        let sleeper = Task {
            try await clock.sleep(for: .seconds(10))
            woke.add("woke")
        }
        await clock.waitForSleepers(1)
        clock.advance(by: .seconds(9))
        #expect(clock.sleeperCount == 1)
        clock.advance(by: .seconds(1))
        try await sleeper.value
        #expect(woke.values == ["woke"])
        #expect(clock.now.offset == .seconds(10))

        let cancelled = Task { try await clock.sleep(for: .seconds(1)) }
        await clock.waitForSleepers(1)
        cancelled.cancel()
        await #expect(throws: CancellationError.self) { try await cancelled.value }
        #expect(clock.sleeperCount == 0)
    }

    @Test func manualClockTellsWhenSomeoneSleepsUntilADeadline() async throws {
        let clock = ManualClock()
        let early = Task { try await clock.sleep(for: .seconds(5)) }
        let waiting = Task { await clock.waitForSleeper(until: ManualClock.Instant(offset: .seconds(30))) }
        await clock.waitForSleepers(1)
        let late = Task { try await clock.sleep(for: .seconds(30)) }
        await waiting.value
        #expect(clock.sleeperCount == 2, "the sleeper until 30 s is there, beside the one until 5 s")
        clock.advance(by: .seconds(30))
        try await early.value
        try await late.value
        let gaveUp = Task { await clock.waitForSleeper(until: ManualClock.Instant(offset: .seconds(99))) }
        gaveUp.cancel()
        await gaveUp.value  // returns, though nobody sleeps until then
        #expect(clock.sleeperCount == 0)
    }

    @Test func mockEventEmitterTellsWhenEventsCame() async {
        let emitter = MockEventEmitter()
        let waiting = Task { await emitter.waitForEvents(of: .deadLetter, count: 2) }
        emitter.emit(.deadLetter, source: "a")
        emitter.emit(.processingComplete, source: "b")
        emitter.emit(.deadLetter, source: "c")
        await waiting.value
        #expect(emitter.events(of: .deadLetter).map(\.source) == ["a", "c"])
        await emitter.waitForEvents(of: .processingComplete, count: 1)  // already there: returns at once
    }

    @Test func mockFeedSourceStreamsWhatTheTestSends() async throws {
        let feed = MockFeedSource(id: "feed")
        feed.send(#"{"a":1}"#, #"{"a":2}"#)
        feed.send(#"{"a":3}"#)
        feed.end()
        var payloads: [String] = []
        for try await item in feed.stream() { payloads.append(String(decoding: item.payload, as: UTF8.self)) }
        #expect(payloads == ["{\"a\":1}\n{\"a\":2}", "{\"a\":3}"])
        await #expect(throws: ErrorInfo.self) { try await feed.collect() }
    }

    @Test func immediateClockRecordsSleeps() async throws {
        let clock = ImmediateClock()
        try await clock.sleep(for: .seconds(3))
        try await clock.sleep(for: .milliseconds(5))
        #expect(clock.sleeps == [.seconds(3), .milliseconds(5)])
        #expect(clock.now.offset == .milliseconds(3005))
    }

    @Test func testGateHoldsUntilOpened() async throws {
        let gate = TestGate()
        let waiter = Task { try await gate.wait() }
        await gate.waitForArrivals(1)
        #expect(!gate.isOpen)
        gate.open()
        try await waiter.value
        try await gate.wait()  // an open gate does not block
        #expect(gate.arrivals == 2)
        let other = TestGate()
        let cancelled = Task { try await other.wait() }
        await other.waitForArrivals(1)
        cancelled.cancel()
        await #expect(throws: CancellationError.self) { try await cancelled.value }
    }
}

/// Strings recorded from concurrent tasks.
final class Seen: Sendable {
    private let storage = LockedStrings()
    func add(_ value: String) { storage.append(value) }
    var values: [String] { storage.values }
}

import Foundation

final class LockedStrings: @unchecked Sendable {
    private let lock = NSLock()
    private var strings: [String] = []
    func append(_ value: String) {
        lock.lock()
        strings.append(value)
        lock.unlock()
    }
    var values: [String] {
        lock.lock()
        defer { lock.unlock() }
        return strings
    }
}
