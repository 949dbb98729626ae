import Foundation
import Testing

/// `collector run` with named outputs: records reach the outputs their route
/// names, the rest go to the default or are counted as unrouted, and a route
/// to an output that does not exist is a dead letter, not a crash.
@Suite("collector run: routing")
struct RoutingRunTests {
    /// Four levels, five records: two errors, a warning, an info and a debug.
    static let levels = #"{"n":1,"level":"error"}"# + "\n" + #"{"n":2,"level":"info"}"# + "\n"
        + #"{"n":3,"level":"warn"}"# + "\n" + #"{"n":4,"level":"debug"}"# + "\n" + #"{"n":5,"level":"error"}"# + "\n"

    private func numbers(_ path: String) throws -> [Int] {
        try PipelineRunTests.lines(path).compactMap { $0.firstMatch(of: /"n":(\d+)/).flatMap { Int($0.1) } }
    }

    @Test func aLuaRouteFunctionSendsEachRecordToTheOutputsItNames() throws {
        let dir = try PipelineRunTests.directory()
        let input = try PipelineRunTests.write(Self.levels, "in.jsonl", in: dir)
        let (alerts, main) = (dir.appendingPathComponent("alerts.jsonl").path, dir.appendingPathComponent("main.jsonl").path)
        let script = try PipelineRunTests.write("""
            pipeline "logs" {
              from = source.file { path = "\(input)" },
              to = { main = storage.jsonl { path = "\(main)" }, alerts = storage.jsonl { path = "\(alerts)" } },
              route = function(r)
                if r.level == "error" then return "alerts" end
                if r.level == "warn" then return { "alerts", "main" } end
                if r.level == "info" then return "main" end
              end,
            }
            local r = run().logs
            print(("unrouted=%d out=%d"):format(r.unrouted, r.output))
            """, "main.lua", in: dir)
        let outcome = try Collector.run(["run", script, "--quiet"], directory: dir)
        #expect(outcome.status == 0, "\(outcome.stdout) \(outcome.stderr)")
        #expect(try numbers(alerts) == [1, 3, 5])
        #expect(try numbers(main) == [2, 3])
        #expect(outcome.stdout.contains("unrouted=1 out=4"), "\(outcome.stdout)")
        #expect(outcome.stdout.contains("; routed alerts=3, main=2; 1 unrouted"), "\(outcome.stdout)")
    }

    @Test func aFieldRouteNeedsNoLuaAndTheRestGoToTheDefault() throws {
        let dir = try PipelineRunTests.directory()
        let input = try PipelineRunTests.write(Self.levels, "in.jsonl", in: dir)
        let (alerts, main) = (dir.appendingPathComponent("alerts.jsonl").path, dir.appendingPathComponent("main.jsonl").path)
        let script = try PipelineRunTests.write("""
            pipeline "logs" {
              from = source.file { path = "\(input)" },
              to = { main = storage.jsonl { path = "\(main)" }, alerts = storage.jsonl { path = "\(alerts)" } },
              route = { field = "level", outputs = { error = "alerts", warn = "alerts" }, default = "main" },
            }
            """, "main.lua", in: dir)
        let outcome = try Collector.run(["run", script, "--quiet"], directory: dir)
        #expect(outcome.status == 0, "\(outcome.stdout) \(outcome.stderr)")
        #expect(try numbers(alerts) == [1, 3, 5])
        #expect(try numbers(main) == [2, 4])
        #expect(outcome.stdout.contains("pipeline logs: 5 in, 5 out, 0 dropped, 0 failed, 0 dead letters; routed alerts=3, main=2"), "\(outcome.stdout)")
        #expect(!outcome.stdout.contains("unrouted"), "\(outcome.stdout)")
    }

    @Test func aProcessorEmitsToANamedOutputAndOtherRecordsFollowTheRoute() throws {
        let dir = try PipelineRunTests.directory()
        let input = try PipelineRunTests.write(Self.levels, "in.jsonl", in: dir)
        _ = try PipelineRunTests.write("""
            return function(r, emit)
              if r.n == 2 then emit(r, "alerts") return nil end
              if r.n == 4 then emit({ n = 40, copy = true }, { "alerts", "main" }) end
              return r
            end
            """, "tag.lua", in: dir)
        let (alerts, main) = (dir.appendingPathComponent("alerts.jsonl").path, dir.appendingPathComponent("main.jsonl").path)
        let script = try PipelineRunTests.write("""
            pipeline "logs" {
              from = source.file { path = "\(input)" },
              process = { processor.file "tag.lua" },
              to = { main = storage.jsonl { path = "\(main)" }, alerts = storage.jsonl { path = "\(alerts)" } },
              route = { field = "level", outputs = { error = "alerts" }, default = "main" },
            }
            """, "main.lua", in: dir)
        let outcome = try Collector.run(["run", script, "--quiet"], directory: dir)
        #expect(outcome.status == 0, "\(outcome.stdout) \(outcome.stderr)")
        #expect(try numbers(alerts) == [1, 2, 40, 5])
        #expect(try numbers(main) == [3, 40, 4])
    }

    @Test func anUnknownOutputIsADeadLetterNamingTheRouteAndTheOutputs() throws {
        let dir = try PipelineRunTests.directory()
        let input = try PipelineRunTests.write(Self.levels, "in.jsonl", in: dir)
        let (dead, main) = (dir.appendingPathComponent("dead.jsonl").path, dir.appendingPathComponent("main.jsonl").path)
        let script = try PipelineRunTests.write("""
            pipeline "logs" {
              from = source.file { path = "\(input)" },
              process = { function(r, emit) if r.n == 4 then emit(r, "archive") return nil end return r end },
              to = { main = storage.jsonl { path = "\(main)" } },
              route = function(r) return r.level == "error" and "alrets" or "main" end,
              dead_letter = storage.jsonl { path = "\(dead)" },
            }
            """, "main.lua", in: dir)
        let outcome = try Collector.run(["run", script, "--quiet"], directory: dir)
        #expect(outcome.status == 0, "failed records are dead-lettered: \(outcome.stdout) \(outcome.stderr)")
        #expect(try numbers(main) == [2, 3])
        let letters = try PipelineRunTests.lines(dead)
        #expect(letters.count == 3, "\(letters)")
        #expect(letters.filter { $0.contains("its route sent the record to the output 'alrets', which does not exist (its outputs are main)") }.count == 2, "\(letters)")
        #expect(letters.contains { $0.contains("a processor (emit) sent the record to the output 'archive'") }, "\(letters)")
        #expect(outcome.stdout.contains("5 in, 2 out, 0 dropped, 3 failed, 3 dead letters"), "\(outcome.stdout)")
    }

    @Test func aRouteNamingAMissingOutputIsAnErrorAtThePipelineLine() throws {
        let dir = try PipelineRunTests.directory()
        let script = try PipelineRunTests.write("""
            local db = storage.memory {}

            pipeline "logs" {
              from = source.generator { count = 1 },
              to = { main = db },
              route = { field = "level", outputs = { error = "alerts" } },
            }
            """, "main.lua", in: dir)
        let outcome = try Collector.run(["run", script, "--quiet"], directory: dir)
        #expect(outcome.status != 0)
        #expect(outcome.stderr.contains("main.lua:3:"), "\(outcome.stderr)")
        #expect(outcome.stderr.contains("names the output 'alerts', which is not one of its outputs (main)"), "\(outcome.stderr)")
    }

    @Test func aRouteFunctionOrEmitThatFailsOrAnswersBadlyFailsThatRecordOnly() throws {
        let dir = try PipelineRunTests.directory()
        let input = try PipelineRunTests.write(Self.levels, "in.jsonl", in: dir)
        let (dead, main) = (dir.appendingPathComponent("dead.jsonl").path, dir.appendingPathComponent("main.jsonl").path)
        let script = try PipelineRunTests.write("""
            pipeline "logs" {
              from = source.file { path = "\(input)" },
              process = { function(r, emit) if r.n == 3 then emit(r, 5) return nil end return r end },
              to = { main = storage.jsonl { path = "\(main)" } },
              route = function(r)
                if r.n == 1 then error("cannot route one") end
                if r.n == 2 then return 42 end
                return "main"
              end,
              dead_letter = storage.jsonl { path = "\(dead)" },
            }
            """, "main.lua", in: dir)
        let outcome = try Collector.run(["run", script, "--quiet"], directory: dir)
        #expect(outcome.status == 0, "\(outcome.stdout) \(outcome.stderr)")
        #expect(try numbers(main) == [4, 5])
        let letters = try PipelineRunTests.lines(dead)
        #expect(letters.count == 3, "\(letters)")
        #expect(letters.contains { $0.contains("output name or list of names expected, got an integer") }, "\(letters)")
        #expect(letters.contains { $0.contains("cannot route one") }, "\(letters)")
        #expect(letters.contains { $0.contains("logs.route returned an integer; it must return an output name") }, "\(letters)")
    }
}
