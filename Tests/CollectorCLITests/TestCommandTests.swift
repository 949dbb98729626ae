import Foundation
import Testing

/// `collector test`, run as a user runs it.
@Suite("collector test")
struct TestCommandTests {
    static func folder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("ctest-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: url.appendingPathComponent("processors"), withIntermediateDirectories: true)
        return url
    }

    static func write(_ text: String, _ name: String, in folder: URL) throws -> String {
        let url = folder.appendingPathComponent(name)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    /// The output without the times after each test and the summary (` (212 µs)`), which vary.
    static func withoutTimes(_ output: String) -> String {
        output.replacing(/\ \(\d+(\.\d+)? (µs|ms|s)\)(?=\n|$)/, with: "")
    }

    static let processor = """
        local M = {}
        M.tests = {
          { name = "converts celsius", input = { value = 40.0, unit = "C" }, output = { value = 104.0, unit = "F" } },
          { name = "drops text", input = { value = "n/a" }, dropped = true },
        }
        function M.process(r)
          if type(r.value) ~= "number" then return nil end
          if r.unit == "C" then r.value = r.value * 9 / 5 + 32 r.unit = "F" end
          return r
        end
        return M
        """

    @Test func passingTestsExitWithZero() throws {
        let folder = try Self.folder()
        let module = try Self.write(Self.processor, "processors/readings.lua", in: folder)
        let testFile = try Self.write("""
            local readings = require("readings")
            test("keeps integers", function()
              expect.eq(run(readings, { value = 3, unit = "F" }), { value = 3, unit = "F" })
            end)
            """, "processors/readings_test.lua", in: folder)
        let outcome = try Collector.run(["test", module, testFile])
        #expect(outcome.status == 0, "\(outcome.stdout)\(outcome.stderr)")
        #expect(Self.withoutTimes(outcome.stdout) == """
            \(module) (inline tests)
              ok    converts celsius
              ok    drops text
            \(testFile)
              ok    keeps integers

            3 tests in 2 files: 3 passed, 0 failed

            """)
    }

    /// A processor that reads `meta` is tested with the metadata a test
    /// gives: `meta = { ... }` in an inline test, `run(p, record, meta)` in a
    /// test file; without it, `meta` holds nothing.
    @Test func testsGiveMetadataToTheProcessor() throws {
        let folder = try Self.folder()
        let module = try Self.write("""
            local M = {}
            M.tests = {
              { name = "stamps the place", input = { v = 1 }, meta = { path = "app.log", line = 12 }, output = { v = 1, at = "app.log:12" } },
              { name = "no metadata", input = { v = 2 }, output = { v = 2, at = "?:?" } },
              { name = "bad meta", input = { v = 3 }, meta = "app.log", output = { v = 3 } },
            }
            function M.process(r, emit, meta)
              r.at = (meta.path or "?") .. ":" .. (meta.line or "?")
              return r
            end
            return M
            """, "processors/place.lua", in: folder)
        let testFile = try Self.write("""
            local place = require("place")
            test("run passes meta", function()
              expect.eq(run(place, { v = 1 }, { path = "b.log", line = 2 }), { v = 1, at = "b.log:2" })
            end)
            test("meta is read-only", function()
              expect.error(function() run(function(r, emit, meta) meta.line = 1 end, { v = 1 }, {}) end, "meta is read%-only")
            end)
            test("meta kept past its call says so", function()
              local kept
              run(function(r, emit, meta) kept = meta return r end, { v = 1 }, { line = 3 })
              expect.error(function() return kept.line end, "meta is readable only during the process call")
            end)
            """, "processors/place_test.lua", in: folder)
        let outcome = try Collector.run(["test", module, testFile])
        #expect(outcome.status == 1, "\(outcome.stdout)\(outcome.stderr)")
        #expect(outcome.stdout.contains("ok    stamps the place"), "\(outcome.stdout)")
        #expect(outcome.stdout.contains("ok    no metadata"), "\(outcome.stdout)")
        #expect(outcome.stdout.contains("meta: a table of named values is expected"), "\(outcome.stdout)")
        for name in ["run passes meta", "meta is read-only", "meta kept past its call says so"] {
            #expect(outcome.stdout.contains("ok    \(name)"), "\(name): \(outcome.stdout)")
        }
        #expect(outcome.stdout.contains("6 tests in 2 files: 5 passed, 1 failed"), "\(outcome.stdout)")
    }

    @Test func aProcessorUsingLogJSONAndMetricsIsTestedAsItRuns() throws {
        let folder = try Self.folder()
        let module = try Self.write("""
            local M = {}
            local seen
            function M.init(ctx) seen = metrics.counter("uses_libraries_seen", "records seen") end
            function M.process(r)
              log.debug("processing", { id = r.id })
              seen:inc()
              r.copy = json.decode(json.encode({ id = r.id }))
              return r
            end
            M.tests = { { name = "copies", input = { id = 1 }, output = { id = 1, copy = { id = 1 } } } }
            return M
            """, "processors/uses_libraries.lua", in: folder)
        let outcome = try Collector.run(["test", module])
        #expect(outcome.status == 0, "\(outcome.stdout)\(outcome.stderr)")
        #expect(outcome.stdout.contains("ok    copies"))
        // Inline tests run when a pipeline loads the processor too.
        let script = try Self.write("""
            pipeline "p" { from = source.generator { count = 2 }, process = { processor.file "processors/uses_libraries.lua" }, to = storage.null {} }
            """, "main.lua", in: folder)
        let run = try Collector.run(["run", "-q", script])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("2 in, 2 out"), "\(run.stdout)")
    }

    @Test func aFailingTestShowsWhatDifferedAndExitsWithOne() throws {
        let folder = try Self.folder()
        let module = try Self.write(
            Self.processor.replacingOccurrences(of: "r.unit = \"F\"", with: "r.unit = \"F\" r.value = math.floor(r.value)"),
            "processors/readings.lua", in: folder)
        _ = try Self.write("""
            test("null is not nil", function()
              expect.eq({ a = null }, { a = null, b = 1 })
            end)
            """, "processors/more_test.lua", in: folder)
        let outcome = try Collector.run(["test", module, folder.appendingPathComponent("processors").path])
        #expect(outcome.status == 1, "\(outcome.stdout)\(outcome.stderr)")
        let lines = Self.withoutTimes(outcome.stdout).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines.contains("  FAIL  converts celsius (\(module):3)"), "\(outcome.stdout)")
        #expect(lines.contains("        output.value: expected 104.0 (float), got 104 (integer)"), "\(outcome.stdout)")
        #expect(lines.contains("  ok    drops text"))
        #expect(lines.contains { $0.hasPrefix("  FAIL  null is not nil (") && $0.hasSuffix("more_test.lua:2)") }, "\(outcome.stdout)")
        #expect(lines.contains("        b: missing (expected 1)"))
        #expect(lines.contains("3 tests in 2 files: 1 passed, 2 failed"))
    }

    @Test func aFileThatDoesNotLoadAndUsageErrorsExitWithTwo() throws {
        let folder = try Self.folder()
        let broken = try Self.write("return { process = function(r) return r }", "broken.lua", in: folder)
        let outcome = try Collector.run(["test", broken])
        #expect(outcome.status == 2)
        #expect(outcome.stdout.contains("  ERROR \(broken):1: 'end' expected"), "\(outcome.stdout)")
        #expect(outcome.stdout.contains("0 tests in 1 file: 0 passed, 0 failed; 1 file did not load"))

        let none = try Collector.run(["test"])
        #expect(none.status == 2)
        #expect(none.stderr.contains("usage: collector test [options] PATH..."))
        let missing = try Collector.run(["test", folder.appendingPathComponent("nope.lua").path])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("no such file or directory"))
        let help = try Collector.run(["test", "--help"])
        #expect(help.status == 0 && help.stdout.contains("*_test.lua"))
    }

    @Test func aPipelineWhoseProcessorFailsItsInlineTestsDoesNotStart() throws {
        let folder = try Self.folder()
        let module = try Self.write(
            Self.processor.replacingOccurrences(of: "r.unit = \"F\"", with: "r.unit = \"K\""), "processors/readings.lua", in: folder)
        let script = try Self.write("""
            pipeline "p" {
              from = { source.generator { count = 10 } },
              process = { processor.file "processors/readings.lua" },
              to = { storage.memory {} },
            }
            """, "main.lua", in: folder)
        let outcome = try Collector.run(["run", script])
        #expect(outcome.status == 2, "a processor that fails its own tests is a script error")
        #expect(
            outcome.stderr.contains(
                "\(script):3: processor.file: \(module):3: inline test 'converts celsius' failed: output.unit: expected \"F\", got \"K\""),
            "\(outcome.stderr)")
    }

    @Test func theTimerExampleTestsItsWindowsOnASimulatedClock() throws {
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let outcome = try Collector.run(["test", "processors/window.lua", "processors"], directory: repository.appendingPathComponent("examples"))
        #expect(outcome.status == 0, "\(outcome.stdout)\(outcome.stderr)")
        let lines = Self.withoutTimes(outcome.stdout).split(separator: "\n").map(String.init)
        #expect(lines.first == "processors/window.lua (inline tests)")
        #expect(lines.contains("  ok    a minute gives one summary per site and unit"))
        #expect(lines.contains("processors/window_test.lua"))
        #expect(lines.contains("  ok    two minutes at once are two ticks; the second window is empty"))
        #expect(!outcome.stdout.contains("FAIL"))
    }

    /// A module with inline tests and a test file, for the options' tests.
    static func suite() throws -> (module: String, testFile: String) {
        let folder = try folder()
        let module = try write(processor, "processors/readings.lua", in: folder)
        let testFile = try write("""
            local readings = require("readings")
            test("keeps integers", function() expect.eq(run(readings, { value = 3 }), { value = 3 }) end)
            test("drops text too", function() expect.eq(run(readings, { value = "x" }), nil) end)
            test("never runs when filtered", function() error("ran") end)
            """, "processors/readings_test.lua", in: folder)
        return (module, testFile)
    }

    @Test func theFilterRunsTheTestsWhoseNameHasIt() throws {
        let (module, testFile) = try Self.suite()
        let outcome = try Collector.run(["test", "--filter", "drops", module, testFile])
        #expect(outcome.status == 0, "\(outcome.stdout)\(outcome.stderr)")
        #expect(Self.withoutTimes(outcome.stdout) == """
            \(module) (inline tests)
              ok    drops text
            \(testFile)
              ok    drops text too

            2 tests in 2 files: 2 passed, 0 failed, 3 left out by the filter

            """)
        // A file none of whose tests match is not listed; `--filter=TEXT` reads the same.
        let one = try Collector.run(["test", "--filter=integers", module, testFile])
        #expect(Self.withoutTimes(one.stdout).hasPrefix("\(testFile)\n  ok    keeps integers\n\n1 test in 1 file"), "\(one.stdout)")
        let bad = try Collector.run(["test", "--filter"])
        #expect(bad.status == 2 && bad.stderr.contains("--filter needs"), "\(bad.stderr)")
    }

    @Test func eachTestHasItsTimeAndColoursAreChosen() throws {
        let (module, _) = try Self.suite()
        let plain = try Collector.run(["test", module])
        // Not a terminal: no colour; each test and the summary have their time.
        #expect(!plain.stdout.contains("\u{1B}["), "\(plain.stdout)")
        let timed = plain.stdout.split(separator: "\n").filter { $0.contains("ok    ") || $0.contains(" passed, ") }
        #expect(timed.count == 3 && timed.allSatisfy { $0.wholeMatch(of: /.*\ \(\d+(\.\d+)? (µs|ms|s)\)/) != nil }, "\(plain.stdout)")
        let always = try Collector.run(["test", "--color", "always", module])
        #expect(always.stdout.contains("\u{1B}[32mok\u{1B}[0m    converts celsius"), "\(always.stdout)")
        let never = try Collector.run(["test", "--color=never", module])
        #expect(!never.stdout.contains("\u{1B}["))
        let wrong = try Collector.run(["test", "--color", "sometimes", module])
        #expect(wrong.status == 2 && wrong.stderr.contains("--color takes auto, always or never"), "\(wrong.stderr)")
    }

    @Test func watchRunsTheTestsAgainWhenAFileIsSaved() throws {
        let (module, testFile) = try Self.suite()
        let watching = try WatchRunTests.Background(["test", "--watch", module, testFile])
        try WatchRunTests.waitUntil("the first run") { watching.stdout.contains("watching for changes") }
        #expect(watching.stdout.contains("1 failed"), "\(watching.stdout)")
        // The failing test fixed and saved: the tests run again, and pass.
        try WatchRunTests.save(
            (try String(contentsOfFile: testFile, encoding: .utf8)).replacingOccurrences(of: "error(\"ran\")", with: "expect.eq(1, 1)"),
            to: testFile)
        try WatchRunTests.waitUntil("the second run") { watching.stdout.contains("running the tests again") && watching.stdout.hasSuffix("watching for changes (Ctrl-C ends)\n") }
        let outcome = watching.stop(signal: SIGTERM)
        #expect(outcome.status == SIGTERM, "ended by the signal")
        #expect(outcome.stdout.contains("readings_test.lua changed: running the tests again"), "\(outcome.stdout)")
        let second = outcome.stdout.components(separatedBy: "running the tests again").last ?? ""
        #expect(second.contains("5 tests in 2 files: 5 passed, 0 failed"), "\(outcome.stdout)")
    }
}
