import Foundation
import Testing

/// A sandboxed processor misbehaving through `collector run`: it can neither
/// flood the collector's stdout, nor read files off its module path, nor
/// crash the process with an option too large.
@Suite("collector run: the processor sandbox")
struct SandboxRunTests {
    static func pipeline(processor: String, records: Int = 3, in dir: URL) throws -> (script: String, out: String, dead: String) {
        _ = try PipelineRunTests.write(processor, "proc.lua", in: dir)
        let input = try PipelineRunTests.write(
            (1...records).map { "{\"id\":\($0)\($0 == 2 ? ",\"bad\":true" : "")}" }.joined(separator: "\n") + "\n",
            "in.jsonl", in: dir)
        let out = dir.appendingPathComponent("out.jsonl").path
        let dead = dir.appendingPathComponent("dead.jsonl").path
        let script = try PipelineRunTests.write("""
            pipeline "p" {
              from = source.file { path = "\(input)" },
              process = { processor.file("proc.lua", { parallel = 1 }) },
              to = storage.jsonl { path = "\(out)" },
              dead_letter = storage.jsonl { path = "\(dead)" },
              batch_size = 1,
            }
            """, "main.lua", in: dir)
        return (script, out, dead)
    }

    @Test func printIsBoundedPerRecordAndSaysHowMuchItDropped() throws {
        let dir = try PipelineRunTests.directory()
        let (script, out, _) = try Self.pipeline(processor: """
            return { process = function(r)
              if r.bad then for i = 1, 20000 do print(string.rep("p", 99)) end else print("record", r.id) end
              return r
            end }
            """, in: dir)
        let outcome = try Collector.run(["run", "-q", script])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        // 64 KB for the bad record, its note, and the other records' lines in full.
        #expect(outcome.stdout.utf8.count < 70_000, "\(outcome.stdout.utf8.count) bytes")
        #expect(outcome.stdout.contains("[print/warn: 1934464 bytes dropped, over the 65536 bytes one call may write]"))
        #expect(outcome.stdout.contains("record\t1\n") && outcome.stdout.contains("record\t3\n"))
        #expect(try PipelineRunTests.lines(out).count == 3)
    }

    @Test func requireCannotReadOrRunFilesOffTheModulePath() throws {
        let dir = try PipelineRunTests.directory()
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("app"), withIntermediateDirectories: true)
        try "return { password = 'hunter2' }".write(to: dir.appendingPathComponent("secret.lua"), atomically: true, encoding: .utf8)
        let app = dir.appendingPathComponent("app")
        try "return { greeting = 'hi' }".write(to: app.appendingPathComponent("helper.lua"), atomically: true, encoding: .utf8)
        let (script, out, _) = try Self.pipeline(processor: """
            local helper = require("helper")
            return { process = function(r)
              r.greeting = helper.greeting
              r.set = select(2, pcall(function() package.path = "../?.lua;/etc/?" end))
              r.up = select(2, pcall(require, "..secret"))
              r.etc = select(2, pcall(require, "passwd"))
              return r
            end }
            """, records: 1, in: app)
        let outcome = try Collector.run(["run", "-q", script], directory: app)
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let record = try #require(try PipelineRunTests.lines(out).first)
        #expect(record.contains("\"greeting\":\"hi\""), "\(record)")
        #expect(record.contains("package is read-only in the sandbox"), "\(record)")
        #expect(record.contains("require: invalid module name '..secret'"), "\(record)")
        #expect(record.contains("module 'passwd' not found"), "\(record)")
        #expect(!record.contains("hunter2") && !record.contains("root:"), "\(record)")
    }

    /// A processor in a directory of its own finds the modules beside it (as
    /// `collector test` does), then those beside the script; nothing above.
    @Test func aProcessorRequiresTheModulesBesideItAndBesideTheScript() throws {
        let dir = try PipelineRunTests.directory()
        let processors = dir.appendingPathComponent("processors")
        try FileManager.default.createDirectory(at: processors, withIntermediateDirectories: true)
        _ = try PipelineRunTests.write("return { suffix = '!' }", "util.lua", in: processors)
        _ = try PipelineRunTests.write("return { prefix = '>' }", "shared.lua", in: dir)
        _ = try PipelineRunTests.write("""
            local util, shared = require("util"), require("shared")
            return { process = function(r)
              r.text = shared.prefix .. r.id .. util.suffix
              r.up = select(2, pcall(require, "..shared"))
              return r
            end }
            """, "w.lua", in: processors)
        let input = try PipelineRunTests.write("{\"id\":1}\n", "in.jsonl", in: dir)
        let out = dir.appendingPathComponent("out.jsonl").path
        let script = try PipelineRunTests.write("""
            pipeline "p" {
              from = source.file { path = "\(input)" },
              process = { processor.file("processors/w.lua", { parallel = 1 }) },
              to = storage.jsonl { path = "\(out)" },
            }
            """, "main.lua", in: dir)
        let outcome = try Collector.run(["run", "-q", script])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let record = try #require(try PipelineRunTests.lines(out).first)
        #expect(record.contains("\"text\":\">1!\""), "\(record)")
        #expect(record.contains("require: invalid module name '..shared'"), "\(record)")
    }

    @Test func sizeOptionsTooLargeForAnIntegerAreErrorsAPcallCatches() throws {
        let dir = try PipelineRunTests.directory()
        _ = try PipelineRunTests.write("return { process = function(r) return r end }", "noop.lua", in: dir)
        let script = try PipelineRunTests.write("""
            for _, f in ipairs {
              function() return processor.file("noop.lua", { memory = "1e30GB" }) end,
              function() return processor.file("noop.lua", { memory = 1e19 }) end,
              function() return storage.jsonl { path = "x.jsonl", max_file_size = "1e19B" } end,
              function() return processor.file("noop.lua", { parallel = 100000 }) end,
              function() return processor.file("noop.lua", { timeout = "1e300s" }) end,
              -- Accepted once, then a trap where the poll's jitter scaled it in 64-bit nanoseconds.
              function() return source.http { url = "http://127.0.0.1:1/", every = "1e12s", jitter = 0.5 } end,
              -- Counts that sized an allocation up front, or overflowed when the file rotated.
              function() return pipeline "big" { from = source.generator { count = 1 }, to = storage.null {}, batch_size = 1e15 } end,
              function() return storage.jsonl { path = "y.jsonl", max_file_size = "1KB", max_files = math.maxinteger } end,
            } do
              print(select(2, pcall(f)))
            end
            print("went on")
            """, "sizes.lua", in: dir)
        let outcome = try Collector.run(["run", script])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let lines = outcome.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 9, "\(lines)")
        guard lines.count == 9 else { return }
        #expect(lines[0].hasSuffix("processor.file: option 'memory' must be a size of at most 9223372036854775807 bytes, got \"1e30GB\""))
        #expect(lines[1].contains("option 'memory' must be a size of at most"), "\(lines[1])")
        #expect(lines[2].hasSuffix("storage.jsonl: option 'max_file_size' must be a size of at most 9223372036854775807 bytes, got \"1e19B\""))
        #expect(lines[3].hasSuffix("processor.file: option 'parallel' must be an integer from 1 to 1024, got 100000"), "\(lines[3])")
        #expect(lines[4].hasSuffix("processor.file: option 'timeout' must be a duration of at most 1000000000s, got \"1e300s\""), "\(lines[4])")
        #expect(lines[5].hasSuffix("source.http: option 'every' must be a duration of at most 1000000000s, got \"1e12s\""), "\(lines[5])")
        #expect(lines[6].hasSuffix("pipeline \"big\": option 'batch_size' must be an integer from 1 to 100000, got 1000000000000000"), "\(lines[6])")
        #expect(lines[7].hasSuffix("storage.jsonl: option 'max_files' must be an integer from 0 to 100000, got 9223372036854775807"), "\(lines[7])")
        #expect(lines[8] == "went on")
    }
}
