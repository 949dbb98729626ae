import CollectorValues
import Foundation
import Testing

@testable import CollectorScripting

/// Tests of processors with timers: `advance` steps of inline tests and
/// `advance(processor, duration)` in test files, on a simulated clock.
@Suite("processor test runner: timers")
struct TimerTestRunnerTests {
    /// Counts records; each tick emits the count and the time, then starts over.
    static let counter = """
        local M = { every = "1m" }
        local count = 0
        function M.process() count = count + 1 return nil end
        function M.on_timer(emit, now)
          if count > 0 then emit({ count = count, at = now, minute = math.floor(now / 60) }) end
          count = 0
        end

        """

    @Test func inlineTestsFeedRecordsAndAdvanceTheClock() throws {
        let folder = try ProcessorFolder()
        let file = try ProcessorTestRunnerTests.run("counter.lua", Self.counter + """
            M.tests = {
              { input = { r = 1 }, dropped = true },
              { input = { r = 2 }, dropped = true },
              { name = "a minute", advance = "1m", emits = { { count = 2, at = 60.0, minute = 1 } } },
              { name = "seconds count too", advance = 59, emits = {} },
              { input = { r = 3 }, dropped = true },
              { name = "the tick at 120 s", advance = "1s", emits = { count = 1, at = 120.0, minute = 2 } },
              { input = { r = 4 }, dropped = true },
              { name = "three minutes, three ticks", advance = "3m", emits = { { count = 1, at = 180.0, minute = 3 } } },
            }
            return M
            """, in: folder)
        #expect(file.loadError == nil, "\(file.loadError ?? "")")
        #expect(file.cases.count == 8)
        #expect(file.cases.allSatisfy { $0.passed }, "\(file.cases.filter { !$0.passed })")
    }

    @Test func aFailingTimerTestSaysWhatDiffered() throws {
        let folder = try ProcessorFolder()
        let file = try ProcessorTestRunnerTests.run("counter.lua", Self.counter + """
            M.tests = {
              { input = { r = 1 }, dropped = true },
              { name = "wrong count", advance = "1m", emits = { { count = 2, at = 60, minute = 1 } } },
              { name = "both", input = { r = 1 }, advance = "1m", emits = {} },
              { name = "bad time", advance = "soon", emits = {} },
              { name = "no record to return", advance = "1m", output = {}, dropped = true },
              { name = "no expectation", advance = "1m" },
              { name = "an error expected", advance = "1m", error = true },
              { name = "far too many ticks", advance = "10000h", emits = {} },
            }
            return M
            """, in: folder)
        let failures = Dictionary(uniqueKeysWithValues: file.cases.map { ($0.name, $0.failure) })
        #expect(failures["wrong count"]?.sorted() == [
            "emits[1].at: expected 60 (integer), got 60.0 (float)",
            "emits[1].count: expected 2, got 1",
        ])
        #expect(file.cases.first { $0.name == "wrong count" }?.location == "\(folder.file("counter.lua")):10")
        #expect(failures["both"] == ["a test gives either input (a record for process) or advance (time for on_timer), not both"])
        #expect(failures["bad time"] == ["advance: expected a duration (\"250ms\", \"10s\", \"1m\", \"1h\" or seconds), got \"soon\""])
        #expect(failures["no record to return"] == [
            "output: an advance test checks emits or error (on_timer has no record to return or drop)",
            "dropped: an advance test checks emits or error (on_timer has no record to return or drop)",
        ])
        #expect(failures["no expectation"] == ["the test states no expectation (emits, or error)"])
        #expect(failures["an error expected"] == ["error: expected an error, got no error (on_timer ran 1 time)"])
        #expect(failures["far too many ticks"] == ["advance: it would run on_timer 600000 times (at most 100000 in one step)"])
    }

    @Test func onTimerErrorsAreExpectedOrReported() throws {
        let folder = try ProcessorFolder()
        let file = try ProcessorTestRunnerTests.run("strict.lua", """
            local M = { every = "10s" }
            local ticks = 0
            function M.process(r) return r end
            function M.on_timer(emit)
              ticks = ticks + 1
              if ticks % 2 == 1 then error("odd tick " .. ticks) end
              emit({ tick = ticks })
            end
            M.tests = {
              { name = "the first tick fails", advance = "10s", error = "odd tick 1" },
              { name = "a failing tick among others", advance = "20s", emits = { { tick = 2 } } },
              { name = "no timer in sight", input = {}, output = {} },
            }
            return M
            """, in: folder)
        #expect(file.cases.map(\.name) == ["the first tick fails", "a failing tick among others", "no timer in sight"])
        #expect(file.cases[0].passed)
        #expect(file.cases[1].failure == ["on_timer failed: \(folder.file("strict.lua")):6: odd tick 3"])
        #expect(file.cases[2].passed)
    }

    @Test func advanceNeedsATimer() throws {
        let folder = try ProcessorFolder()
        let file = try ProcessorTestRunnerTests.run("plain.lua", """
            return {
              process = function(r) return r end,
              tests = { { name = "tick", advance = "1m", emits = {} } },
            }
            """, in: folder)
        #expect(file.cases.map(\.failure) == [["advance: the module has no timer (every = \"1m\" and on_timer(emit, now))"]])
    }

    @Test func aTimerTestThatFailsKeepsAReloadOut() async throws {
        let version = { (count: Int) in
            Self.counter + """
                M.tests = { { input = {}, dropped = true }, { name = "one record, one count", advance = "1m", emits = { { count = \(count), at = 60.0, minute = 1 } } } }
                return M
                """
        }
        let processor = try await LuaProcessor.load(name: "counter", source: version(1), chunkName: "@counter.lua")
        let outcome = await processor.reload(source: version(2))
        #expect(outcome.kind == .failed)
        #expect(outcome.stage == .test)
        #expect(outcome.message == "inline test 'one record, one count' failed: emits[1].count: expected 2, got 1")
        #expect(processor.version == 1)
    }

    @Test func testFilesAdvanceAModulesOwnClock() throws {
        let folder = try ProcessorFolder()
        try folder.save("counter.lua", Self.counter + "return M\n")
        try folder.save("plain.lua", "return { process = function(r) return r end }")
        try folder.save("broken.lua", """
            return { every = "1m", process = function(r) return r end,
              on_timer = function() error("the window is gone") end }
            """)
        let file = try ProcessorTestRunnerTests.run("counter_test.lua", """
            local counter = require("counter")

            test("a minute", function()
              run(counter, {})
              run(counter, {})
              expect.eq(advance(counter, "1m"), { { count = 2, at = 60.0, minute = 1 } })
            end)

            test("the clock goes on from test to test", function()
              run(counter, {})
              expect.eq(advance(counter, "90s"), { { count = 1, at = 120.0, minute = 2 } })
              run(counter, {})
              expect.eq(advance(counter, 30), { { count = 1, at = 180.0, minute = 3 } })
            end)

            test("what advance refuses", function()
              expect.error(function() advance(require("plain"), "1m") end, "got a module without every and on_timer")
              expect.error(function() advance(counter, "later") end, "the time must be a duration")
              expect.error(function() advance(function() end, "1m") end, "got function")
            end)

            test("an error in on_timer", function()
              advance(require("broken"), "1m")
            end)
            """, in: folder)
        #expect(file.loadError == nil, "\(file.loadError ?? "")")
        #expect(file.cases.prefix(3).map(\.passed) == [true, true, true], "\(file.cases.filter { !$0.passed })")
        #expect(file.cases[3].failure == ["the window is gone"])
        #expect(file.cases[3].location == "\(folder.file("broken.lua")):2")
    }

    @Test func testFilesStartTickAndFinishAModuleAsAPipelineDoes() throws {
        let folder = try ProcessorFolder()
        try folder.save("scaled.lua", """
            local M = { every = "10s" }
            local scale, total, name = nil, 0, nil
            function M.init(ctx) scale = ctx.config.scale; name = ctx.name end
            function M.process(r) total = total + r.v * scale return nil end
            function M.on_timer(emit, now) emit({ total = total, at = now, clock = time.now() }) total = 0 end
            function M.shutdown(emit) emit({ left = total, by = name }) end
            return M
            """)
        try folder.save("plain.lua", "return { process = function(r) return r end }")
        let file = try ProcessorTestRunnerTests.run("scaled_test.lua", """
            local scaled = require("scaled")
            start(scaled, { name = "scaled", config = { scale = 2 } })

            test("a tick at the time it was due, exactly", function()
              run(scaled, { v = 3 })
              expect.eq(tick(scaled, 1765000007.25), { { total = 6, at = 1765000007.25, clock = 1765000007.25 } })
            end)

            test("the clock goes on from the tick", function()
              run(scaled, { v = 1 })
              expect.eq(advance(scaled, "3s"), { { total = 2, at = 1765000010.0, clock = 1765000010.0 } })
            end)

            test("finish runs shutdown", function()
              run(scaled, { v = 5 })
              expect.eq(finish(scaled), { { left = 10, by = "scaled" } })
              expect.eq(finish(require("plain")), {})
            end)

            test("what they refuse", function()
              expect.error(function() tick(scaled, "soon") end, "tick: the time of the tick must be seconds since the epoch")
              expect.error(function() tick(scaled, 1e300) end, "from 0 to 9e9")
              expect.error(function() tick(require("plain"), 1) end, "got a module without every and on_timer")
              expect.error(function() start(scaled, { confg = {} }) end, "start: unknown option 'confg'")
              expect.error(function() start(scaled, { name = 1 }) end, "name must be a string")
              expect.error(function() start(42) end, "a processor module %(a table%) expected, got number")
              expect.error(function() start(scaled, { config = { scale = print } }) end)
            end)
            """, in: folder)
        #expect(file.loadError == nil, "\(file.loadError ?? "")")
        #expect(file.cases.map(\.passed) == [true, true, true, true], "\(file.cases.filter { !$0.passed })")
    }
}
