import Testing

@testable import CollectorScripting

/// `time.now()` under `collector test`: the simulated clock that `advance`
/// moves, so a module that stamps records with the time is testable.
@Suite("processor test runner: time.now()")
struct TimeInProcessorTestsTests {
    /// Stamps each record with `time.now()`; each tick emits the time as `on_timer` sees it both ways.
    static let stamper = """
        local M = { every = "1m" }
        function M.process(r)
          r.at = time.now()
          r.text = time.format(time.now())
          return r
        end
        function M.on_timer(emit, now)
          emit({ now = now, clock = time.now(), day = time.format(time.now(), "%F %T") })
        end

        """

    @Test func inlineTestsSeeTheSimulatedClock() throws {
        let folder = try ProcessorFolder()
        let file = try ProcessorTestRunnerTests.run("stamper.lua", Self.stamper + """
            M.tests = {
              { name = "at the epoch", input = { v = 1 }, output = { v = 1, at = 0.0, text = "1970-01-01T00:00:00Z" } },
              { name = "ticks", advance = "2m", emits = {
                { now = 60.0, clock = 60.0, day = "1970-01-01 00:01:00" },
                { now = 120.0, clock = 120.0, day = "1970-01-01 00:02:00" },
              } },
              { name = "after the step", advance = "30s", emits = {} },
              { name = "later", input = { v = 2 }, output = { v = 2, at = 150.0, text = "1970-01-01T00:02:30Z" } },
              { name = "a wrong time fails", input = { v = 3 }, output = { v = 3, at = 0.0, text = "1970-01-01T00:00:00Z" } },
            }
            return M
            """, in: folder)
        #expect(file.loadError == nil, "\(file.loadError ?? "")")
        #expect(file.cases.map(\.passed) == [true, true, true, true, false], "\(file.cases.filter { !$0.passed })")
    }

    @Test func testFilesSeeTheClockOfTheModuleAdvancedLast() throws {
        let folder = try ProcessorFolder()
        try folder.save("stamper.lua", Self.stamper + "return M\n")
        let file = try ProcessorTestRunnerTests.run("stamper_test.lua", """
            local stamper = require("stamper")

            test("the epoch until time is advanced", function()
              expect.eq(time.now(), 0.0)
              expect.eq(run(stamper, { v = 1 }).at, 0.0)
            end)

            test("advance moves time.now()", function()
              expect.eq(advance(stamper, "1m"), { { now = 60.0, clock = 60.0, day = "1970-01-01 00:01:00" } })
              expect.eq(advance(stamper, "90s"), { { now = 120.0, clock = 120.0, day = "1970-01-01 00:02:00" } })
              expect.eq(time.now(), 150.0)
              expect.eq(run(stamper, { v = 2 }).text, "1970-01-01T00:02:30Z")
            end)

            test("parse and format are there too", function()
              expect.eq(time.parse(time.format(1709296200.125)), 1709296200.125)
            end)
            """, in: folder)
        #expect(file.loadError == nil, "\(file.loadError ?? "")")
        #expect(file.cases.map(\.passed) == [true, true, true], "\(file.cases.filter { !$0.passed })")
    }
}
