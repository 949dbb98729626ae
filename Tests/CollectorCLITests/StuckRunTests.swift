import Foundation
import Testing

/// Runs that used to get stuck for ever: each must end on its own, in a
/// bounded time, with every record accounted for.
@Suite("collector run: nothing stuck")
struct StuckRunTests {
    /// `collector run ARGS` in `directory`, killed after `seconds` (status -1 then).
    static func bounded(_ arguments: [String], in directory: URL, seconds: Double = 30) throws -> Collector.Outcome {
        let process = Process()
        process.executableURL = Collector.executable
        process.arguments = arguments
        process.currentDirectoryURL = directory
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("stuck-\(UUID().uuidString).out")
        let err = FileManager.default.temporaryDirectory.appendingPathComponent("stuck-\(UUID().uuidString).err")
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        _ = FileManager.default.createFile(atPath: err.path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        let hung = process.isRunning
        if hung {
            kill(process.processIdentifier, SIGKILL)
        }
        process.waitUntilExit()
        return Collector.Outcome(
            status: hung ? -1 : process.terminationStatus,
            stdout: (try? String(contentsOf: out, encoding: .utf8)) ?? "",
            stderr: (try? String(contentsOf: err, encoding: .utf8)) ?? "")
    }

    @Test func aPipelineWithAProcessorTimerEndsEveryTime() throws {
        let dir = try PipelineRunTests.directory()
        _ = try PipelineRunTests.write("""
            return { every = "5ms", on_timer = function(emit, now) end, process = function(r) return r end }
            """, "ticking.lua", in: dir)
        let script = try PipelineRunTests.write("""
            pipeline "p" {
              from = { source.generator { count = 1000, rate = 4000 } },
              process = { processor.file("ticking.lua") },
              to = { storage.memory {} },
            }
            """, "main.lua", in: dir)
        for run in 1...8 {
            let outcome = try Self.bounded(["run", script], in: dir)
            #expect(outcome.status == 0, "run \(run): \(outcome.stderr)")
            #expect(outcome.stdout.contains("pipeline p: 1000 in, 1000 out"), "run \(run): \(outcome.stdout)")
            if outcome.status != 0 { break }
        }
    }

    @Test(arguments: ["wait", "run", "handler"])
    func waitingFromInsideAFunctionOfTheScriptFailsThereInsteadOfHanging(how: String) throws {
        let dir = try PipelineRunTests.directory()
        _ = try PipelineRunTests.write("{\"id\":1}\n{\"id\":2,\"bad\":true}\n{\"id\":3}\n", "in.jsonl", in: dir)
        let script = try PipelineRunTests.write("""
            local how = "\(how)"
            local p
            p = pipeline "p" {
              from = source.file { path = "in.jsonl" },
              process = { function(r)
                if r.bad and how == "wait" then p:wait() end
                if r.bad and how == "run" then run() end
                return r
              end },
              to = storage.jsonl { path = "out.jsonl" },
              dead_letter = storage.jsonl { path = "dead.jsonl" },
              batch_size = 1,
            }
            if how == "handler" then
              on("processing_complete", function(e) p:wait() end)
            end
            """, "main.lua", in: dir)
        let outcome = try Self.bounded(["run", "--drain-timeout", "1s", script], in: dir)
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let stored = (try? PipelineRunTests.lines(dir.appendingPathComponent("out.jsonl").path)) ?? []
        let dead = (try? PipelineRunTests.lines(dir.appendingPathComponent("dead.jsonl").path)) ?? []
        if how == "handler" {
            #expect(stored.count == 3 && dead.isEmpty)
            #expect(outcome.stderr.contains("main.lua:15: p:wait() cannot wait for pipelines from inside a function"), "\(outcome.stderr)")
        } else {
            #expect(stored.count == 2 && dead.count == 1, "\(stored) \(dead)")
            #expect(dead.first?.contains("cannot wait for pipelines from inside a function the engine calls") == true)
        }
    }

    @Test func anEventHandlerThatNeverReturnsIsStoppedAndTheRunCompletes() throws {
        let dir = try PipelineRunTests.directory()
        _ = try PipelineRunTests.write("{\"id\":1}\n{\"id\":2}\n{\"id\":3}\n", "in.jsonl", in: dir)
        let script = try PipelineRunTests.write("""
            on("*", function(e) while true do end end)
            pipeline "p" { from = source.file { path = "in.jsonl" }, to = storage.jsonl { path = "out.jsonl" } }
            """, "main.lua", in: dir)
        let outcome = try Self.bounded(["run", "--drain-timeout", "1s", script], in: dir)
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(try PipelineRunTests.lines(dir.appendingPathComponent("out.jsonl").path).count == 3)
        #expect(outcome.stderr.contains("event handler for '*' failed: "), "\(outcome.stderr)")
        #expect(outcome.stderr.contains("instruction limit exceeded"), "\(outcome.stderr)")
    }
}
