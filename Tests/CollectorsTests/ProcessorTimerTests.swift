import CollectorMocks
import CollectorValues
import Foundation
import Testing

@testable import Collectors

/// A processor with a timer: passes records through (after `gate`, when it
/// has one) and gives `{"tick": n}` at its n-th tick, or fails the ticks in `failing`.
private final class Ticker: Processor {
    let name = "ticker"
    private let interval: Locked<Duration?>
    private let observers = Locked<[@Sendable () -> Void]>([])
    private let dates = Locked<[Date]>([])
    private let failing: Set<Int>
    private let gate: TestGate?

    init(every interval: Duration?, failing: Set<Int> = [], gate: TestGate? = nil) {
        self.interval = Locked(interval)
        self.failing = failing
        self.gate = gate
    }

    /// The `now` of every tick so far.
    var ticks: [Date] { dates.withLock { $0 } }

    var timerInterval: Duration? { interval.withLock { $0 } }

    func setInterval(_ new: Duration?) {
        interval.withLock { $0 = new }
        for observer in observers.withLock({ $0 }) { observer() }
    }

    func observeTimer(_ changed: @escaping @Sendable () -> Void) { observers.withLock { $0.append(changed) } }

    func process(_ record: Record) async throws -> ProcessingResult {
        try await gate?.wait()
        return .success(record)
    }

    func tick(now: Date) async -> [ProcessingResult] {
        let count = dates.withLock { dates in
            dates.append(now)
            return dates.count
        }
        if failing.contains(count) {
            return [.failure(ErrorInfo(.processing, layer: .processing, operation: "tick", message: "tick \(count) broke"))]
        }
        return [.success(Record(["tick": .integer(Int64(count))], sourceID: name, sequence: UInt64(count)))]
    }
}

// The time limit only guards against a hang (a lost wake-up); no test measures speed.
@Suite("Processor timers", .timeLimit(.minutes(1)))
struct ProcessorTimerTests {
    /// Marks every record that passes, so the stored values say which processors they went through.
    let marker = MockProcessor(name: "marker", transform: { record in
        var value = record.value.objectValue ?? [:]
        value["marked"] = true
        return .success(record.with(value: .object(value)))
    })

    @Test func aTimerFiresOnAnIdleSourceAndItsRecordsFollowTheBatchBefore() async throws {
        let clock = ManualClock()
        let feed = MockFeedSource(id: "feed")
        let ticker = Ticker(every: .seconds(60))
        let backend = MockStorageBackend()
        let emitter = MockEventEmitter()
        let registry = MetricsRegistry()
        let pipeline = try Pipeline(
            name: "timed", sources: [feed], mode: .stream, processors: [ticker, marker], backends: [backend],
            configuration: PipelineConfiguration(batchSize: 10), errorHandler: MockErrorHandler(), emitter: emitter,
            clock: clock, metrics: registry)
        let run = Task { await pipeline.run() }

        feed.send(#"{"r":1}"#, #"{"r":2}"#)
        await emitter.waitForEvents(of: .processingComplete, count: 1)
        // Idle now: the processing stage waits for items, no later than the
        // tick (the other sleeper is the storage's batch-age timer).
        await clock.waitForSleepers(2)
        #expect(ticker.ticks.isEmpty, "no tick before its time")
        clock.advance(by: .seconds(60))
        // Asleep again only once the tick's records are on their way to storage.
        await clock.waitForSleepers(2)
        #expect(ticker.ticks.count == 1)
        clock.advance(by: .seconds(60))
        await clock.waitForSleepers(2)
        feed.send(#"{"r":3}"#)
        feed.end()
        let report = await run.value

        #expect(report.status == .completed)
        #expect(
            backend.records == [
                ["r": 1, "marked": true], ["r": 2, "marked": true], ["tick": 1, "marked": true], ["tick": 2, "marked": true],
                ["r": 3, "marked": true],
            ], "a tick's records go through the processors after it, in order with the batches")
        let ticks = ticker.ticks
        #expect(ticks.count == 2)
        if ticks.count == 2 { #expect(ticks[1].timeIntervalSince(ticks[0]) == 60, "now is the time each tick was due") }
        #expect(report.processing.input == 3)
        #expect(report.processing.output == 5, "tick records count as output, not as input")
        guard case .counter(let out) = registry.value("collector_pipeline_records_out_total", labels: ["pipeline": "timed"]) else {
            Issue.record("no records_out series")
            return
        }
        #expect(Int(out) == report.processing.output, "the metric says what the report says")
    }

    @Test func aTickWaitsForTheBatchInProgress() async throws {
        let clock = ManualClock()
        let feed = MockFeedSource(id: "feed")
        let gate = TestGate()
        let ticker = Ticker(every: .seconds(10), gate: gate)
        let backend = MockStorageBackend()
        let pipeline = try streaming(from: feed, through: [ticker], to: backend, clock: clock)
        let run = Task { await pipeline.run() }
        feed.send(#"{"r":1}"#)
        await gate.waitForArrivals(1)
        // Three intervals pass while the batch is held.
        clock.advance(by: .seconds(35))
        #expect(ticker.ticks.isEmpty, "no tick while a batch of the processor runs")
        gate.open()
        feed.end()
        _ = await run.value
        #expect(ticker.ticks.count == 1, "ticks missed during the batch are one tick after it")
        #expect(backend.records == [["r": 1], ["tick": 1]])
    }

    @Test func aLaterProcessorTicksBetweenItsOwnBatchesInTheSecondHalf() async throws {
        let clock = ManualClock()
        let feed = MockFeedSource(id: "feed")
        let gate = TestGate()
        let ticker = Ticker(every: .seconds(10), gate: gate)
        let backend = MockStorageBackend()
        let pipeline = try streaming(from: feed, through: [marker, ticker], to: backend, clock: clock)
        let run = Task { await pipeline.run() }
        feed.send(#"{"r":1}"#)
        await gate.waitForArrivals(1)
        // The first half is free and finds the tick due; the second half is in the batch.
        clock.advance(by: .seconds(35))
        await clock.waitForSleeper(until: ManualClock.Instant(offset: .seconds(40)))
        #expect(ticker.ticks.isEmpty, "no tick while a batch of the processor runs")
        gate.open()
        feed.send(#"{"r":2}"#)
        feed.end()
        _ = await run.value
        #expect(ticker.ticks.count == 1)
        #expect(
            backend.records == [["r": 1, "marked": true], ["tick": 1], ["r": 2, "marked": true]],
            "the tick's records skip the processors before it, and keep their place between the batches")
    }

    @Test func aFailingTickIsReportedAndDeadLetteredAndThePipelineGoesOn() async throws {
        let clock = ManualClock()
        let feed = MockFeedSource(id: "feed")
        let ticker = Ticker(every: .seconds(1), failing: [1])
        let backend = MockStorageBackend()
        let handler = MockErrorHandler()
        let sink = InMemoryDeadLetterSink()
        let emitter = MockEventEmitter()
        let pipeline = try Pipeline(
            sources: [feed], mode: .stream, processors: [ticker], backends: [backend],
            configuration: PipelineConfiguration(batchSize: 10), errorHandler: handler, deadLetters: sink,
            emitter: emitter, clock: clock)
        let run = Task { await pipeline.run() }
        await clock.waitForSleepers(2)
        clock.advance(by: .seconds(1))
        await clock.waitForSleepers(2)
        clock.advance(by: .seconds(1))
        await clock.waitForSleepers(2)
        feed.send(#"{"r":1}"#)
        feed.end()
        let report = await run.value

        #expect(report.status == .completed)
        #expect(backend.records == [["tick": 2], ["r": 1]], "the tick after the failed one and the records go on")
        #expect(report.processing.failed == 1)
        #expect(handler.errors.map(\.message) == ["tick 1 broke"])
        #expect(handler.errors.first?.details["processor"] == "ticker")
        #expect(emitter.events(of: .processingFailed).map(\.source) == ["ticker"])
        #expect(sink.letters.map(\.error.message) == ["tick 1 broke"])
        #expect(sink.letters.first?.record.sourceID == "ticker")
    }

    @Test func aTimerThatAppearsWhileIdleStartsWithoutWaitingForRecords() async throws {
        let clock = ManualClock()
        let feed = MockFeedSource(id: "feed")
        let ticker = Ticker(every: nil)
        let backend = MockStorageBackend()
        let pipeline = try streaming(from: feed, through: [ticker], to: backend, clock: clock)
        let run = Task { await pipeline.run() }
        // Without a timer the stage waits for items only: the batch-age timer is the one sleeper.
        await clock.waitForSleepers(1)
        ticker.setInterval(.seconds(30))
        await clock.waitForSleepers(2)
        clock.advance(by: .seconds(30))
        await clock.waitForSleepers(2)
        ticker.setInterval(nil)
        // The timer is gone: the stage no longer sleeps on the clock.
        clock.advance(by: .seconds(30))
        await clock.waitForSleepers(1)
        feed.end()
        _ = await run.value
        #expect(backend.records == [["tick": 1]])
    }

    @Test func aProcessorSwappedInWhileIdleStartsItsTimer() async throws {
        let clock = ManualClock()
        let feed = MockFeedSource(id: "feed")
        let ticker = Ticker(every: .seconds(5))
        let backend = MockStorageBackend()
        let pipeline = try streaming(from: feed, through: [marker], to: backend, clock: clock)
        let run = Task { await pipeline.run() }
        await clock.waitForSleepers(1)
        await pipeline.processing.setProcessors([ticker, marker])
        await clock.waitForSleepers(2)
        clock.advance(by: .seconds(5))
        await clock.waitForSleepers(2)
        feed.end()
        _ = await run.value
        #expect(backend.records == [["tick": 1, "marked": true]])
    }

    /// A pipeline from `feed` to `backend`, its timers on `clock`.
    fileprivate func streaming(from feed: MockFeedSource, through processors: [any Processor], to backend: MockStorageBackend, clock: ManualClock) throws
        -> Pipeline
    {
        try Pipeline(
            sources: [feed], mode: .stream, processors: processors, backends: [backend],
            configuration: PipelineConfiguration(batchSize: 10), errorHandler: MockErrorHandler(), clock: clock)
    }

    // MARK: The schedule

    @Test func aTimerKeepsItsRhythmAndALateOneFiresOnce() {
        let clock = ManualClock()
        var timers = ProcessorTimers(clock: AnyClock(clock))
        timers.update([nil, .seconds(10)])
        #expect(timers.takeDue().isEmpty)
        clock.advance(by: .seconds(10))
        let first = timers.takeDue()
        #expect(first.map(\.index) == [1])
        // 25 s late: the ticks due at 20 and 30 s are one, at 30 s; the next is at 40 s.
        clock.advance(by: .seconds(25))
        let late = timers.takeDue()
        #expect(late.map(\.index) == [1])
        if let a = first.first, let b = late.first { #expect(b.time.timeIntervalSince(a.time) == 20) }
        clock.advance(by: .seconds(4))
        #expect(timers.takeDue().isEmpty, "the next tick is at 40 s, one interval after the late one was due")
        clock.advance(by: .seconds(1))
        #expect(timers.takeDue().map(\.index) == [1])
    }

    @Test func anUnchangedIntervalKeepsItsTimeAndAChangedOneStartsOver() {
        let clock = ManualClock()
        var timers = ProcessorTimers(clock: AnyClock(clock))
        timers.update([.seconds(10)])
        clock.advance(by: .seconds(6))
        timers.update([.seconds(10)])
        clock.advance(by: .seconds(4))
        #expect(timers.takeDue().count == 1, "same interval: due at 10 s as before")
        clock.advance(by: .seconds(6))
        timers.update([.seconds(8)])
        clock.advance(by: .seconds(4))
        #expect(timers.takeDue().isEmpty, "a new interval counts from when it was seen (16 s), not from the last tick")
        clock.advance(by: .seconds(4))
        #expect(timers.takeDue().count == 1)
        timers.update([nil])
        #expect(timers.nextDue == nil)
    }
}
