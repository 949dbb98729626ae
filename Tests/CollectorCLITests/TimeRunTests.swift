import Foundation
import Testing

/// The `time` library through the `collector` binary: in a sandboxed
/// processor of `collector run`, and on the simulated clock of `collector test`.
@Suite("collector: the time library")
struct TimeRunTests {
    @Test func aSandboxedProcessorParsesAndFormatsTimesAndBadTimesAreDeadLettered() throws {
        let dir = try PipelineRunTests.directory()
        _ = try PipelineRunTests.write("""
            return { process = function(r)
              r.at = time.parse(r.ts, r.format)
              r.utc = time.format(r.at)
              r.paris = time.format(r.at, "%d/%m/%Y %H:%M", "+01:00")
              return r
            end }
            """, "proc.lua", in: dir)
        let input = try PipelineRunTests.write("""
            {"id":1,"ts":"2024-03-01T13:30:00.5+01:00"}
            {"id":2,"ts":"2024-02-30T10:00:00Z"}
            {"id":3,"ts":"01/Mar/2024:12:30:00 +0000","format":"%d/%b/%Y:%H:%M:%S %z"}

            """, "in.jsonl", in: dir)
        let out = dir.appendingPathComponent("out.jsonl").path
        let dead = dir.appendingPathComponent("dead.jsonl").path
        let script = try PipelineRunTests.write("""
            pipeline "p" {
              from = source.file { path = "\(input)" },
              process = { processor.file("proc.lua") },
              to = storage.jsonl { path = "\(out)" },
              dead_letter = storage.jsonl { path = "\(dead)" },
            }
            """, "main.lua", in: dir)
        let outcome = try Collector.run(["run", "-q", "--once", script])
        let lines = try PipelineRunTests.lines(out)
        #expect(lines.count == 2, "\(lines) \(outcome.stderr)")
        let offset = lines.first { $0.contains("+01:00") } ?? ""
        #expect(offset.contains("\"at\":1709296200.5"), "\(lines)")
        #expect(offset.contains("\"utc\":\"2024-03-01T12:30:00.500Z\""), "\(lines)")
        #expect(offset.contains("\"paris\":\"01/03/2024 13:30\""), "\(lines)")
        let formatted = lines.first { $0.contains("%d/%b/%Y") } ?? ""
        #expect(formatted.contains("\"at\":1709296200,") || formatted.contains("\"at\":1709296200}"), "\(lines)")
        #expect(formatted.contains("\"utc\":\"2024-03-01T12:30:00Z\""), "\(lines)")
        let refused = try String(contentsOfFile: dead, encoding: .utf8)
        #expect(refused.contains("day 30 out of range (01-29 of February 2024) at position 9"), "\(refused)")
    }

    @Test func collectorTestRunsProcessorsOnTheSimulatedClock() throws {
        let folder = try TestCommandTests.folder()
        let module = try TestCommandTests.write("""
            local M = { every = "1h" }
            M.tests = {
              { name = "stamped at the epoch", input = {}, output = { seen = "1970-01-01T00:00:00Z" } },
              { name = "an hour later", advance = "1h", emits = { { tick = "1970-01-01T01:00:00Z" } } },
              { name = "stamped after the tick", input = {}, output = { seen = "1970-01-01T01:00:00Z" } },
            }
            function M.process(r) r.seen = time.format(time.now()) return r end
            function M.on_timer(emit) emit({ tick = time.format(time.now()) }) end
            return M
            """, "processors/stamp.lua", in: folder)
        let outcome = try Collector.run(["test", module])
        #expect(outcome.status == 0, "\(outcome.stdout)\(outcome.stderr)")
        #expect(outcome.stdout.contains("3 tests in 1 file: 3 passed, 0 failed"), "\(outcome.stdout)")
    }
}
