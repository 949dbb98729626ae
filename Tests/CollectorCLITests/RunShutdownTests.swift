import Foundation
import Testing

/// A script that ends early — `os.exit()`, an error — while pipelines it
/// started run: they stop gracefully and store what they collected.
@Suite("collector run: ending early")
struct RunShutdownTests {
    @Test func osExitDrainsTheStartedPipelinesAndExitsWithItsStatus() throws {
        let dir = try PipelineRunTests.directory()
        let script = try PipelineRunTests.write("""
            local p = pipeline "e" { from = source.generator { rate = 400 }, to = storage.jsonl { path = "e.jsonl" } }
            p:start()
            local seen = #p:tap("output", 40)
            io.stdout:write("OUT ", p:stats().output, "\\n")
            os.exit(3)
            """, "main.lua", in: dir)
        let outcome = try StuckRunTests.bounded(["run", script], in: dir)
        #expect(outcome.status == 3, "\(outcome.stderr)")
        let stored = try PipelineRunTests.lines(dir.appendingPathComponent("e.jsonl").path).count
        #expect(stored >= 40)
        #expect(outcome.stdout.contains("pipeline e: \(stored) in, \(stored) out"), "\(outcome.stdout)")
        #expect(!outcome.stderr.contains("os.exit"), "leaving is not an error: \(outcome.stderr)")
    }

    @Test func anErrorAfterAStartStillStoresWhatWasCollected() throws {
        let dir = try PipelineRunTests.directory()
        let script = try PipelineRunTests.write("""
            local p = pipeline "e" { from = source.generator { rate = 400 }, to = storage.jsonl { path = "e.jsonl" } }
            p:start()
            p:tap("output", 40)
            error("boom")
            """, "main.lua", in: dir)
        let outcome = try StuckRunTests.bounded(["run", script], in: dir)
        #expect(outcome.status == 2)
        #expect(outcome.stderr.contains("main.lua:4: boom"), "\(outcome.stderr)")
        let stored = try PipelineRunTests.lines(dir.appendingPathComponent("e.jsonl").path).count
        #expect(stored >= 40)
        #expect(outcome.stdout.contains("pipeline e: \(stored) in, \(stored) out"), "\(outcome.stdout)")
    }

    @Test func osExitInAFunctionOfThePipelineEndsTheRunAfterTheDrain() throws {
        let dir = try PipelineRunTests.directory()
        let script = try PipelineRunTests.write("""
            local n = 0
            pipeline "u" {
              from = source.generator { rate = 1000 },
              process = { function(r) n = n + 1 if n == 30 then os.exit(6) end return r end },
              to = storage.jsonl { path = "u.jsonl" },
            }
            """, "main.lua", in: dir)
        let outcome = try StuckRunTests.bounded(["run", script], in: dir)
        #expect(outcome.status == 6, "\(outcome.stderr)")
        let stored = try PipelineRunTests.lines(dir.appendingPathComponent("u.jsonl").path).count
        #expect(stored >= 29)
        #expect(outcome.stdout.contains("pipeline u: \(stored + 1) in, \(stored) out, 0 dropped, 1 failed"), "\(outcome.stdout)")
    }
}
