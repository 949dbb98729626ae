import CollectorMocks
import CollectorValues
import Collectors
import Foundation
import LuaRuntime
import Testing

@testable import CollectorScripting

/// A window of counts: counts the records (dropping them), gives the count at
/// each tick and starts over; hands the count over on a reload.
func windowModule(_ version: Int, every: String = "1m") -> String {
    """
    -- version \(version)
    local M = { every = "\(every)" }
    local count = 0
    function M.process() count = count + 1 return nil end
    function M.on_timer(emit) emit({ v = \(version), count = count }) count = 0 end
    function M.shutdown(emit) if count > 0 then emit({ v = \(version), count = count, last = true }) end end
    function M.export_state() return { count = count } end
    function M.migrate(old) count = old and old.count or 0 end
    return M
    """
}

/// Real Lua states in a real pipeline; the pipeline's clock is a `ManualClock`,
/// so a tick happens when the test moves time, never by waiting.
// The time limit only guards against a hang (a lost wake-up); no test measures speed.
@Suite("Lua processor timers", .timeLimit(.minutes(2)))
struct LuaTimerTests {
    static func pipeline(
        _ processor: LuaProcessor, from feed: MockFeedSource, to backend: MockStorageBackend, clock: ManualClock,
        handler: MockErrorHandler = MockErrorHandler(), deadLetters: InMemoryDeadLetterSink? = nil,
        emitter: MockEventEmitter? = nil
    ) throws -> Pipeline {
        try Pipeline(
            sources: [feed], mode: .stream, processors: [processor], backends: [backend],
            configuration: PipelineConfiguration(batchSize: 50), errorHandler: handler, deadLetters: deadLetters,
            emitter: emitter, clock: clock)
    }

    static func at(_ seconds: Int64) -> ManualClock.Instant { ManualClock.Instant(offset: .seconds(seconds)) }

    // MARK: Loading

    @Test func everyAndOnTimerGoTogether() async throws {
        func loadError(_ fields: String) async -> String? {
            do {
                _ = try await LuaProcessor.load(
                    name: "w", source: "return { \(fields), process = function(r) return r end }", chunkName: "@w.lua")
                return nil
            } catch {
                return (error as? LuaError)?.message
            }
        }
        #expect(await loadError("every = '1m'") == "w.lua: the module has 'every' but no on_timer(emit, now) function to run")
        #expect(
            await loadError("on_timer = function() end")
                == "w.lua: the module has on_timer but no 'every' to say how often it runs (every = \"1m\")")
        #expect(await loadError("every = '1m', on_timer = 5") == "w.lua: the module's 'on_timer' must be a function, got number")
        let expected = "w.lua: the module's 'every' must be a duration above zero (\"250ms\", \"10s\", \"1m\", \"1h\" or seconds), got"
        for (every, got) in [("'0s'", "\"0s\""), ("0", "0"), ("-5", "-5"), ("'-1m'", "\"-1m\""), ("'abc'", "\"abc\""),
            ("'1 minute'", "\"1 minute\""), ("true", "boolean"), ("0.0001", "0.0001"), ("{}", "table")]
        {
            #expect(await loadError("every = \(every), on_timer = function() end") == "\(expected) \(got)", "every = \(every)")
        }
    }

    @Test func aTimerModuleRunsInOneStateUnlessItSaysParallel() async throws {
        let options = LuaProcessorOptions(parallelism: 4)
        let alone = try await LuaProcessor.load(name: "alone", source: windowModule(1), options: options)
        #expect(alone.stateCount == 1, "a timer reports what the module gathered: one state holds it whole")
        #expect(alone.timerInterval == .seconds(60))
        let parallel = try await LuaProcessor.load(name: "each", source: """
            local worker
            return {
              parallel = true, every = 0.5,
              init = function(ctx) worker = ctx.worker end,
              process = function(r) return r end,
              on_timer = function(emit) emit({ worker = worker }) end,
            }
            """, options: options)
        #expect(parallel.stateCount == 4)
        #expect(parallel.timerInterval == .milliseconds(500))
        let ticks = await parallel.tick(now: Date())
        #expect(ticks.flatMap(\.records).map(\.value) == [["worker": 1], ["worker": 2], ["worker": 3], ["worker": 4]],
            "every state's on_timer, in worker order")
        let plain = try await LuaProcessor.load(name: "plain", source: "return function(r) return r end", options: options)
        #expect(plain.timerInterval == nil && plain.stateCount == 4)
    }

    @Test func onTimerGetsTheTimeItWasDueAndItsRecordsAreTheProcessors() async throws {
        let processor = try await LuaProcessor.load(name: "clock", source: """
            return {
              every = "1m",
              process = function(r) return r end,
              on_timer = function(emit, now) emit({ at = now, kind = math.type(now) }) end,
              shutdown = function(emit) emit({ done = true }) end,
            }
            """)
        let due = Date(timeIntervalSince1970: 1_700_000_060.5)
        let first = try #require(await processor.tick(now: due).first)
        #expect(first.records.map(\.value) == [["at": 1_700_000_060.5, "kind": "float"]])
        #expect(first.records.map(\.sourceID) == ["clock"])
        #expect(first.records.first?.collectedAt == due)
        let second = await processor.tick(now: due.addingTimeInterval(60))
        let last = await processor.finish()
        #expect((second + last).flatMap(\.records).map(\.sequence) == [2, 3], "one numbering for the records the processor makes")
    }

    @Test func aFailingOnTimerFailsThatTickOnly() async throws {
        let processor = try await LuaProcessor.load(name: "flaky", source: """
            local calls = 0
            return {
              every = "10s",
              process = function(r) return r end,
              on_timer = function(emit)
                calls = calls + 1
                emit({ lost = true })
                if calls == 1 then error("no window yet") end
                emit({ calls = calls })
              end,
            }
            """, chunkName: "@flaky.lua")
        let failed = try #require(await processor.tick(now: Date()).first)
        #expect(!failed.success)
        #expect(failed.error?.operation == "on_timer")
        #expect(failed.error?.message == "flaky.lua:8: no window yet")
        #expect(failed.error?.details["processor"] == "flaky")
        let next = await processor.tick(now: Date())
        #expect(next.flatMap(\.records).map(\.value) == [["lost": true], ["calls": 2]], "a failed call's records are dropped, not carried over")
    }

    // MARK: In a pipeline

    @Test func aLuaTimerFiresOnAnIdlePipelineAndShutdownGivesWhatIsLeft() async throws {
        let clock = ManualClock()
        let feed = MockFeedSource(id: "feed")
        let backend = MockStorageBackend()
        let emitter = MockEventEmitter()
        let window = try await LuaProcessor.load(name: "window", source: windowModule(1))
        let pipeline = try Self.pipeline(window, from: feed, to: backend, clock: clock, emitter: emitter)
        let run = Task { await pipeline.run() }
        feed.send(#"{"r":1}"#, #"{"r":2}"#, #"{"r":3}"#)
        await emitter.waitForEvents(of: .processingComplete, count: 1)
        await clock.waitForSleeper(until: Self.at(60))
        clock.advance(by: .seconds(60))
        await clock.waitForSleeper(until: Self.at(120))
        feed.send(#"{"r":4}"#, #"{"r":5}"#)
        feed.end()
        let report = await run.value
        #expect(report.status == .completed)
        #expect(backend.records == [["v": 1, "count": 3], ["v": 1, "count": 2, "last": true]])
        #expect(report.processing.input == 5 && report.processing.dropped == 5 && report.processing.output == 2)
    }

    @Test func anErrorInOnTimerIsReportedAndThePipelineGoesOn() async throws {
        let clock = ManualClock()
        let feed = MockFeedSource(id: "feed")
        let backend = MockStorageBackend()
        let handler = MockErrorHandler()
        let sink = InMemoryDeadLetterSink()
        let emitter = MockEventEmitter()
        let processor = try await LuaProcessor.load(name: "broken", source: """
            return {
              every = "1m",
              process = function(r) return r end,
              on_timer = function() error("cannot close the window") end,
            }
            """, chunkName: "@broken.lua")
        let pipeline = try Self.pipeline(
            processor, from: feed, to: backend, clock: clock, handler: handler, deadLetters: sink, emitter: emitter)
        let run = Task { await pipeline.run() }
        await clock.waitForSleeper(until: Self.at(60))
        clock.advance(by: .seconds(60))
        await emitter.waitForEvents(of: .processingFailed, count: 1)
        feed.send(#"{"r":1}"#)
        feed.end()
        let report = await run.value
        #expect(report.status == .completed)
        #expect(backend.records == [["r": 1]], "the pipeline goes on")
        #expect(report.processing.failed == 1)
        #expect(handler.errors.map(\.message) == ["broken.lua:4: cannot close the window"])
        #expect(handler.errors.first?.operation == "on_timer")
        #expect(emitter.events(of: .processingFailed).map(\.source) == ["broken"])
        #expect(sink.letters.map(\.error.message) == ["broken.lua:4: cannot close the window"])
        #expect(sink.letters.first?.error.details["script_hash"] == .string(processor.scriptHash))
    }

    // MARK: Reloading

    @Test func aReloadSwapsTheTimerWithoutFiringItTwiceOrLosingItsCount() async throws {
        let clock = ManualClock()
        let feed = MockFeedSource(id: "feed")
        let backend = MockStorageBackend()
        let emitter = MockEventEmitter()
        let window = try await LuaProcessor.load(
            name: "window", source: windowModule(1), options: LuaProcessorOptions(reloadPolicy: ReloadPolicy(probationRecords: 0)))
        let pipeline = try Self.pipeline(window, from: feed, to: backend, clock: clock, emitter: emitter)
        let run = Task { await pipeline.run() }
        feed.send(#"{"r":1}"#, #"{"r":2}"#)
        await emitter.waitForEvents(of: .processingComplete, count: 1)
        await clock.waitForSleeper(until: Self.at(60))
        clock.advance(by: .seconds(60))
        await clock.waitForSleeper(until: Self.at(120))

        // Same interval: the new version's on_timer runs at the time the old one would have.
        feed.send(#"{"r":3}"#)
        await emitter.waitForEvents(of: .processingComplete, count: 2)
        #expect(await window.reload(source: windowModule(2)).kind == .reloaded)
        clock.advance(by: .seconds(60))
        await clock.waitForSleeper(until: Self.at(180))

        // A new interval counts from the swap.
        #expect(await window.reload(source: windowModule(3, every: "30s")).kind == .reloaded)
        await clock.waitForSleeper(until: Self.at(150))
        clock.advance(by: .seconds(30))
        await clock.waitForSleeper(until: Self.at(180))
        feed.end()
        _ = await run.value
        #expect(backend.records == [["v": 1, "count": 2], ["v": 2, "count": 1], ["v": 3, "count": 0]])
    }

    @Test func whileOnProbationTheGoodVersionsTicksAreReleasedAndTheNewOnesStateMovesOn() async throws {
        let window = try await LuaProcessor.load(name: "window", source: windowModule(1))
        _ = await window.process(batch: records([[:], [:]]))
        #expect(await window.reload(source: windowModule(2)).kind == .reloaded)
        let onProbation = await window.tick(now: Date())
        #expect(onProbation.flatMap(\.records).map(\.value) == [["v": 1, "count": 2]])
        #expect(window.timerInterval == .seconds(60))
        // 50 records pass: version 2 is the good one; its count started over at the tick above.
        _ = await window.process(batch: records(Array(repeating: [:], count: 50)))
        #expect(window.version == 2)
        let after = await window.tick(now: Date())
        #expect(after.flatMap(\.records).map(\.value) == [["v": 2, "count": 50]])
    }

    @Test func anAcceptedVersionWithAnotherIntervalSaysSo() async throws {
        let window = try await LuaProcessor.load(
            name: "window", source: windowModule(1), options: LuaProcessorOptions(reloadPolicy: ReloadPolicy(probationRecords: 0)))
        let told = Locked(0)
        window.observeTimer { told.withLock { $0 += 1 } }
        #expect(await window.reload(source: windowModule(2, every: "5s")).kind == .reloaded)
        #expect(window.timerInterval == .seconds(5))
        #expect(told.withLock { $0 } == 1)
        #expect(await window.reload(source: "return function(r) return r end").kind == .reloaded)
        #expect(window.timerInterval == nil, "a version without on_timer has no timer")
        #expect(told.withLock { $0 } == 2)
    }
}
