import CollectorValues
import Foundation
import Testing

/// What a run writes to its log: repeats counted as a field, and lines that
/// differ in their fields kept apart.
@Suite("collector run: the log")
struct LogRunTests {
    /// A warning for every record is one line, then, at the end of the run,
    /// one that carries how many were held back as a field of its own.
    @Test func theEndOfRunCountIsAFieldInJSONAndLogfmt() throws {
        let script = try Collector.script("""
            pipeline "p" {
              from = source.generator { count = 5 },
              process = { function(r) log.warn("same message") return r end },
              to = storage.null {},
            }
            """)
        let json = try Collector.run(["run", "-q", "--log-format", "json", script])
        #expect(json.status == 0, "\(json.stderr)")
        let objects = json.stderr.split(separator: "\n").compactMap { try? JSONReader().read(String($0)) }
        let same = objects.filter { $0["msg"] == "same message" }
        #expect(same.count == 2, "\(json.stderr)")
        #expect(same.last?["repeated"] == 4, "\(json.stderr)")
        #expect(!json.stderr.contains("repeated 4 times"))

        let logfmt = try Collector.run(["run", "-q", "--log-format", "logfmt", script])
        #expect(logfmt.status == 0, "\(logfmt.stderr)")
        let lines = logfmt.stderr.split(separator: "\n").filter { $0.contains("msg=\"same message\"") }
        #expect(lines.count == 2, "\(logfmt.stderr)")
        #expect(lines.last?.hasSuffix(" repeated=4") == true, "\(logfmt.stderr)")
    }

    /// Each state of a parallel processor file logs from `init` with its own
    /// worker number: every one of those lines is written.
    @Test func linesWithDifferentFieldsAreNotMerged() throws {
        let dir = try PipelineRunTests.directory()
        _ = try PipelineRunTests.write("""
            local M = {}
            function M.init(ctx) log.info("lookup loaded", { worker = ctx.worker }) end
            function M.process(r) return r end
            return M
            """, "loader.lua", in: dir)
        let script = try PipelineRunTests.write("""
            pipeline "p" {
              from = source.generator { count = 10 },
              process = { processor.file("loader.lua", { parallel = 3 }) },
              to = storage.null {},
            }
            """, "pipeline.lua", in: dir)
        let outcome = try Collector.run(["run", "--log-format", "logfmt", script])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let lines = outcome.stderr.split(separator: "\n").filter { $0.contains("msg=\"lookup loaded\"") }
        #expect(lines.count == 3, "\(outcome.stderr)")
        for worker in 1...3 { #expect(lines.contains { $0.hasSuffix(" worker=\(worker)") }, "\(outcome.stderr)") }
        #expect(!outcome.stderr.contains("repeated"))
    }
}

/// A batch that a backend refuses for one record is stored again record by
/// record: the log names the record refused and says the others were stored.
@Suite("collector run: a refused record in the log")
struct RefusedRecordLogTests {
    @Test func theLogLineSaysWhatBecameOfTheBatch() throws {
        let dir = try PipelineRunTests.directory()
        _ = try PipelineRunTests.write(
            "{\"order_id\":1}\n{\"customer\":\"no order id\"}\n{\"order_id\":3}\n", "in.jsonl", in: dir)
        let script = try PipelineRunTests.write("""
            local db = storage.sqlite { path = "orders.db", table = "orders",
              columns = { { "order_id", "integer", required = true }, { "customer", "text" } } }
            pipeline "load" {
              from = source.file { path = "in.jsonl" },
              to = db,
              dead_letter = storage.jsonl { path = "dead.jsonl" },
            }
            local r = run().load
            print("stored", r.stored[db.id], "dead", r.dead_letters)
            """, "load.lua", in: dir)
        let outcome = try Collector.run(["run", "--log-format", "logfmt", script], directory: dir)
        #expect(outcome.stdout.contains("stored\t2\tdead\t1"), "\(outcome.stdout)\(outcome.stderr)")
        let refusals = outcome.stderr.split(separator: "\n").filter { $0.contains("decision=dead_letter") }
        #expect(refusals.count == 1, "\(outcome.stderr)")
        #expect(refusals.allSatisfy { !$0.contains("nothing of the batch was stored") }, "\(outcome.stderr)")
        #expect(refusals.allSatisfy { $0.contains("2 of 3 stored") }, "\(outcome.stderr)")
    }
}

/// An error line names the record it is about, yet the same error for every
/// record is still counted rather than written once per record.
@Suite("collector run: errors in the log")
struct ErrorLogTests {
    @Test func theSameErrorForEveryRecordIsCountedAndNamesItsRecord() throws {
        let script = try Collector.script("""
            pipeline "p" {
              from = source.generator { count = 5 },
              process = { function(r) error("always") end },
              to = storage.null {},
            }
            """)
        let outcome = try Collector.run(["run", "-q", "--log-format", "logfmt", script])
        let lines = outcome.stderr.split(separator: "\n").filter { $0.contains("always") && $0.contains("decision=") }
        #expect(lines.count == 2, "\(outcome.stderr)")
        #expect(lines.first?.contains("sequence=1") == true, "\(outcome.stderr)")
        #expect(lines.last?.contains("sequence=5") == true, "\(outcome.stderr)")
        #expect(lines.last?.hasSuffix(" repeated=4") == true, "\(outcome.stderr)")
    }
}
