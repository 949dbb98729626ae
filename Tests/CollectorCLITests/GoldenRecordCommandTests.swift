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

    @Test func theRecordedFilePassesThenFailsOnAChangeAndTheRunStops() throws {
        let folder = try TestCommandTests.folder()
        let module = try TestCommandTests.write(GoldenRecordRunTests.processor, "processors/readings.lua", in: folder)
        _ = try TestCommandTests.write(Self.script(count: nil), "main.lua", in: folder)
        // An endless source: the run ends because the recording is done.
        let recorded = try Collector.run(["test", "--record", "readings", "main.lua", "--count", "6"], directory: folder)
        #expect(recorded.status == 0, "\(recorded.stdout)\(recorded.stderr)")
        #expect(
            recorded.stdout.contains("recorded 6 records of processor readings (pipeline live) into processors/readings_test.lua"),
            "\(recorded.stdout)")
        let testFile = folder.appendingPathComponent("processors/readings_test.lua").path
        let passing = try Collector.run(["test", testFile])
        #expect(passing.status == 0, "\(passing.stdout)\(passing.stderr)")
        #expect(passing.stdout.contains("6 tests in 1 file: 6 passed, 0 failed"), "\(passing.stdout)")

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
        #expect(over.stdout.contains("recorded 2 records of processor readings (pipeline live) into processors/other_test.lua"), "\(over.stdout)")
        let other = try String(contentsOfFile: folder.appendingPathComponent("processors/other_test.lua").path, encoding: .utf8)
        #expect(other.components(separatedBy: "test(\"recorded").count == 3, "\(other)")
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
