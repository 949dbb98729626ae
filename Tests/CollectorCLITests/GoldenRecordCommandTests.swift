import Foundation
import Testing

/// `collector test --record NAME SCRIPT.lua`: the golden test file written
/// from the command line, then run with `collector test`.
@Suite("collector test --record")
struct GoldenRecordCommandTests {
    static func script(count: Int?) -> String {
        """
        local n = 0
        pipeline "live" {
          from = source.generator { rate = 2000\(count.map { ", count = \($0)" } ?? "") },
          process = {
            function(r) n = n + 1; return { id = n, value = (n % 3 == 0) and -1 or n * 10 } end,
            processor.file "processors/readings.lua",
          },
          to = storage.memory {},
        }
        """
    }

    /// N of `recorded N records of processor readings (pipeline live) into FILE`.
    static func recordedCount(_ output: String, into file: String) -> Int? {
        for line in output.split(separator: "\n") where line.hasPrefix("recorded ") {
            let words = line.split(separator: " ")
            guard line.contains(" records of processor readings (pipeline live) into \(file)"), words.count > 1 else { continue }
            return Int(words[1])
        }
        return nil
    }

    @Test func theRecordedFilePassesThenFailsOnAChangeAndTheRunStops() throws {
        let folder = try TestCommandTests.folder()
        let module = try TestCommandTests.write(GoldenRecordRunTests.processor, "processors/readings.lua", in: folder)
        _ = try TestCommandTests.write(Self.script(count: nil), "main.lua", in: folder)
        // An endless source: the run ends because the recording is done.
        let recorded = try Collector.run(["test", "--record", "readings", "main.lua", "--count", "6"], directory: folder)
        #expect(recorded.status == 0, "\(recorded.stdout)\(recorded.stderr)")
        // At least 6: those in flight when the pipeline stopped are in too.
        let count = try #require(Self.recordedCount(recorded.stdout, into: "processors/readings_test.lua"), "\(recorded.stdout)")
        #expect(count >= 6)
        let testFile = folder.appendingPathComponent("processors/readings_test.lua").path
        let passing = try Collector.run(["test", testFile])
        #expect(passing.status == 0, "\(passing.stdout)\(passing.stderr)")
        #expect(passing.stdout.contains("\(count) tests in 1 file: \(count) passed, 0 failed"), "\(passing.stdout)")

        try GoldenRecordRunTests.processor.replacingOccurrences(of: "r.value * 1.8 + 32", with: "r.value * 2 + 32")
            .write(toFile: module, atomically: true, encoding: .utf8)
        let failing = try Collector.run(["test", testFile])
        #expect(failing.status == 1, "\(failing.stdout)\(failing.stderr)")
        #expect(failing.stdout.contains("[1].f: expected "), "\(failing.stdout)")

        // The file is there now: not written over unless asked.
        let again = try Collector.run(["test", "--record", "readings", "main.lua", "--count", "2"], directory: folder)
        #expect(again.status == 2, "\(again.stdout)\(again.stderr)")
        #expect(again.stderr.contains("processors/readings_test.lua exists already (give --overwrite to write over it)"), "\(again.stderr)")
        let over = try Collector.run(
            ["test", "--record=readings", "--overwrite", "--out", "processors/other_test.lua", "main.lua", "--count=2"], directory: folder)
        #expect(over.status == 0, "\(over.stdout)\(over.stderr)")
        let overCount = try #require(Self.recordedCount(over.stdout, into: "processors/other_test.lua"), "\(over.stdout)")
        #expect(overCount >= 2)
        let other = try String(contentsOfFile: folder.appendingPathComponent("processors/other_test.lua").path, encoding: .utf8)
        #expect(other.components(separatedBy: "test(\"recorded").count == overCount + 1, "\(other)")
    }

    @Test func aSourceThatEndsFirstGivesWhatCameAndAWrongNameIsAUsageError() throws {
        let folder = try TestCommandTests.folder()
        _ = try TestCommandTests.write(GoldenRecordRunTests.processor, "processors/readings.lua", in: folder)
        _ = try TestCommandTests.write(Self.script(count: 4), "main.lua", in: folder)
        let short = try Collector.run(["test", "--record", "readings", "main.lua"], directory: folder)
        #expect(short.status == 0, "\(short.stdout)\(short.stderr)")
        #expect(short.stdout.contains("recorded 4 records of processor readings (pipeline live) into processors/readings_test.lua (the pipeline ended before 50)"), "\(short.stdout)")

        let unknown = try Collector.run(["test", "--record", "reading", "main.lua"], directory: folder)
        #expect(unknown.status == 2, "\(unknown.stdout)\(unknown.stderr)")
        #expect(unknown.stderr.contains("--record: no pipeline has a processor named 'reading' (processors: live.process[1], readings)"), "\(unknown.stderr)")
        let noScript = try Collector.run(["test", "--record", "readings"], directory: folder)
        #expect(noScript.status == 2)
        #expect(noScript.stderr.contains("--record needs the pipeline script to run"), "\(noScript.stderr)")
        let badCount = try Collector.run(["test", "--record", "readings", "main.lua", "--count", "0"], directory: folder)
        #expect(badCount.status == 2)
        #expect(badCount.stderr.contains("--count must be a whole number of records"), "\(badCount.stderr)")
    }
}

/// A module that keeps a window, closes it on a timer, reads its config in
/// `init` and emits what is left at shutdown: its recording replays all of it.
@Suite("collector test --record, a stateful module")
struct GoldenRecordStatefulTests {
    static let window = """
        local M = { every = "50ms" }
        local sum, n, scale = 0, 0, nil
        function M.init(ctx) scale = ctx.config.scale end
        function M.process(r)
          sum = sum + r.value * scale
          n = n + 1
          if n % 4 == 0 then return { seen = n, sum = sum } end
          return nil
        end
        function M.on_timer(emit, now)
          if n > 0 then emit({ n = n, sum = sum, at = now }) end
          sum, n = 0, 0
        end
        function M.shutdown(emit) emit({ left = n, sum = sum }) end
        return M
        """

    @Test func ticksShutdownAndInitAreRecordedAndTheFilePassesUnedited() throws {
        let folder = try TestCommandTests.folder()
        let module = try TestCommandTests.write(Self.window, "processors/window.lua", in: folder)
        _ = try TestCommandTests.write("""
            local i = 0
            pipeline "live" {
              from = source.generator { rate = 200 },
              process = {
                function() i = i + 1; return { value = i } end,
                processor.file("processors/window.lua", { config = { scale = 3 } }),
              },
              to = storage.memory {},
            }
            """, "main.lua", in: folder)
        let recorded = try Collector.run(["test", "--record", "window", "main.lua", "--count", "30"], directory: folder)
        #expect(recorded.status == 0, "\(recorded.stdout)\(recorded.stderr)")
        let testFile = folder.appendingPathComponent("processors/window_test.lua").path
        let text = try String(contentsOfFile: testFile, encoding: .utf8)
        // 30 records at 200 a second take 150 ms at least: the 50 ms timer ticked on the way.
        #expect(text.contains("start(window, { name = \"window\", config = { scale = 3 } })"), "\(text)")
        #expect(text.contains("(timer at ") && text.contains("expect.eq(tick(window, "), "\(text)")
        #expect(text.contains("(shutdown)\", function()\n  expect.eq(finish(window), {"), "\(text)")

        let passing = try Collector.run(["test", testFile])
        #expect(passing.status == 0, "\(passing.stdout)\(passing.stderr)")
        #expect(passing.stdout.contains(" passed, 0 failed"), "\(passing.stdout)")

        // The window's sum changes: a timer's output and the shutdown's fail with the field.
        try Self.window.replacingOccurrences(of: "emit({ n = n, sum = sum, at = now })", with: "emit({ n = n, sum = sum * 2, at = now })")
            .write(toFile: module, atomically: true, encoding: .utf8)
        let failing = try Collector.run(["test", testFile])
        #expect(failing.status == 1, "\(failing.stdout)\(failing.stderr)")
        #expect(failing.stdout.contains("FAIL  recorded ") && failing.stdout.contains("(timer at "), "\(failing.stdout)")
        #expect(failing.stdout.contains("[1].sum: expected "), "\(failing.stdout)")
    }
}
