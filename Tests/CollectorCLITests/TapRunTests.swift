import Foundation
import Testing

/// `p:tap(stage, n)` on a running pipeline (the REPL's way of looking inside one).
@Suite("p:tap")
struct TapRunTests {
    @Test func eachStageSeesEachRecordOnce() throws {
        let dir = try PipelineRunTests.directory()
        _ = try PipelineRunTests.write("return function(r) r.v = 1 return r end", "clean.lua", in: dir)
        _ = try PipelineRunTests.write("return function(r) r.w = 2 return r end", "mark.lua", in: dir)
        let script = try PipelineRunTests.write("""
            local p = pipeline "live" {
              from = source.generator { rate = 200 },
              process = { processor.file("clean.lua", { name = "clean" }), function(r) return r end, processor.file("mark.lua", { name = "mark" }) },
              to = storage.null {},
            }
            p:start()
            for _, stage in ipairs { "input", "after clean", 2, "output" } do
              local seen, distinct, n = p:tap(stage, 6), {}, 0
              for _, r in ipairs(seen) do
                local k = tostring(r.sensor_id) .. "@" .. tostring(r.ts)
                if not distinct[k] then distinct[k] = true; n = n + 1 end
              end
              print(("TAP %s %d %d"):format(stage, #seen, n))
            end
            p:stop(); p:wait()
            """, "tap.lua", in: dir)
        let outcome = try Collector.run(["run", "-q", script], directory: dir)
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let taps = outcome.stdout.split(separator: "\n").filter { $0.hasPrefix("TAP ") }
        #expect(taps == ["TAP input 6 6", "TAP after clean 6 6", "TAP 2 6 6", "TAP output 6 6"], "\(outcome.stdout)")
    }

}
