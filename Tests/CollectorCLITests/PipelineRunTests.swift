import Foundation
import Testing

/// `collector run` on scripts that wire pipelines, end to end: real sources,
/// real Lua processors, real SQLite and JSON-lines files.
@Suite("collector run: pipelines")
struct PipelineRunTests {
    static func directory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("collector-pipelines-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    static func write(_ text: String, _ name: String, in directory: URL) throws -> String {
        let url = directory.appendingPathComponent(name)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    /// What a second script reads back from a backend.
    static func read(_ lua: String) throws -> String {
        let outcome = try Collector.run(["run", try Collector.script(lua)])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        return outcome.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func lines(_ path: String) throws -> [String] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
    }

    @Test func generatorThroughALuaProcessorIntoSQLite() throws {
        let dir = try Self.directory()
        let db = dir.appendingPathComponent("out.db").path
        _ = try Self.write("""
            return { process = function(r)
              if type(r.value) ~= "number" or r.ts == nil or r.sensor_id == nil then return nil end
              if r.unit == "C" then r.value = r.value * 9 / 5 + 32; r.unit = "F" end
              r.severity = r.value > 90 and "high" or "normal"
              return r
            end }
            """, "proc.lua", in: dir)
        let script = try Self.write("""
            pipeline "readings" {
              from = { source.generator { count = 1000 } },
              process = { processor.file "proc.lua" },
              to = { storage.sqlite { path = "\(db)", table = "readings" } },
            }
            """, "main.lua", in: dir)
        let outcome = try Collector.run(["run", script])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let summary = outcome.stdout.split(separator: "\n").last.map(String.init) ?? ""
        #expect(summary.hasPrefix("pipeline readings: 1000 in, "), "\(summary)")
        #expect(summary.contains("0 failed, 0 dead letters"))
        // out + dropped = in, and what went out is stored.
        let numbers = summary.split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }
        let (input, output, dropped) = (numbers[0], numbers[1], numbers[2])
        #expect(output + dropped == input)
        #expect(summary.hasSuffix("stored sqlite:\(db)=\(output)"), "\(summary)")
        let stored = try Self.read("""
            local db = storage.sqlite { path = "\(db)", table = "readings" }
            local rows = db:query { filters = { unit = "C" } }
            local first = db:query { sort_by = "ts", limit = 1 }[1]
            print(db:count(), #rows, first.sensor_id, math.type(first.ts), first.unit ~= "C")
            """)
        #expect(stored == "\(output)\t0\ts-0593\tinteger\ttrue", "\(stored)")
    }

    @Test func aProcessorThatFailsOnSomeRecordsDeadLettersThemAndGoesOn() throws {
        let dir = try Self.directory()
        let input = try Self.write((1...20).map { "{\"n\":\($0)}" }.joined(separator: "\n") + "\n", "in.jsonl", in: dir)
        _ = try Self.write("""
            return function(r)
              if r.n % 5 == 0 then error("no multiples of five: " .. r.n) end
              return r
            end
            """, "fussy.lua", in: dir)
        let out = dir.appendingPathComponent("out.jsonl").path
        let dead = dir.appendingPathComponent("dead.jsonl").path
        let script = try Self.write("""
            pipeline "fussy" {
              from = source.file { path = "\(input)" },
              process = { processor.file("fussy.lua", { parallel = 2 }) },
              to = { storage.jsonl { path = "\(out)" } },
              dead_letter = storage.jsonl { path = "\(dead)" },
            }
            """, "main.lua", in: dir)
        let outcome = try Collector.run(["run", script])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.stdout.contains("pipeline fussy: 20 in, 16 out, 0 dropped, 4 failed, 4 dead letters; stored jsonl:\(out)=16"),
                "\(outcome.stdout)")
        let stored = try Self.lines(out)
        #expect(stored.count == 16)
        #expect(stored.first?.contains("\"n\":1") == true)
        let letters = try Self.lines(dead)
        #expect(letters.count == 4)
        #expect(letters.allSatisfy { $0.contains("no multiples of five") && $0.contains("fussy.lua:2:") })
        #expect(letters.allSatisfy { $0.contains("\"processor\":\"fussy\"") && $0.contains("script_hash") })
    }

    @Test func aLineThatIsNotJSONIsAFailedRecordWithItsError() throws {
        let dir = try Self.directory()
        let input = try Self.write("{\"a\":1}\nthis is not json\n{\"a\":2}\n", "in.jsonl", in: dir)
        let out = dir.appendingPathComponent("out.jsonl").path
        let dead = dir.appendingPathComponent("dead.jsonl").path
        let script = try Self.write("""
            pipeline "lines" {
              from = { source.file { path = "\(input)" } },
              to = { storage.jsonl { path = "\(out)" } },
              dead_letter = storage.jsonl { path = "\(dead)" },
            }
            """, "main.lua", in: dir)
        let outcome = try Collector.run(["run", script])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.stdout.contains("3 in, 2 out, 0 dropped, 1 failed, 1 dead letters"), "\(outcome.stdout)")
        #expect(try Self.lines(out).count == 2)
        let letters = try Self.lines(dead)
        #expect(letters.count == 1)
        #expect(letters.first?.contains("this is not json") == true)
        #expect(letters.first?.contains("\"error\"") == true)
    }

    @Test func scriptErrorsCarryTheScriptLine() throws {
        let dir = try Self.directory()
        let cases: [(String, String)] = [
            ("local s = source.ftp { url = 'ftp://x' }", ":1: unknown source type 'source.ftp'"),
            ("\nsource.generator { cont = 1 }", ":2: source.generator: unknown option 'cont' (did you mean 'count'?)"),
            ("source.generator { count = {} }", ":1: source.generator: option 'count' must be an integer, got table"),
            ("pipeline 'x' {\n to = { storage.memory {} } }", ":1: pipeline \"x\": no source"),
            ("pipeline 'x' { from = source.generator {} }", ":1: pipeline \"x\": no storage backend"),
            ("local p = processor.file 'broken.lua'", ":1: processor.file: "),
            ("error('at load')", ":1: at load"),
        ]
        _ = try Self.write("return function(r) return r", "broken.lua", in: dir)
        for (index, (source, expected)) in cases.enumerated() {
            let script = try Self.write(source, "case\(index).lua", in: dir)
            let outcome = try Collector.run(["run", script])
            #expect(outcome.status == 1, "\(source)")
            #expect(outcome.stderr.contains("case\(index).lua" + expected), "\(outcome.stderr)")
        }
        let broken = try Collector.run(["run", dir.appendingPathComponent("case5.lua").path])
        #expect(broken.stderr.contains("broken.lua:1: 'end' expected near <eof>"), "\(broken.stderr)")
        let syntax = try Collector.run(["run", try Self.write("pipeline 'x' {", "syntax.lua", in: dir)])
        #expect(syntax.status == 2)
        #expect(syntax.stderr.contains("syntax.lua:1: "))
    }

    @Test func ctrlCStopsPipelinesGracefullyAndPrintsTheSummary() throws {
        let dir = try Self.directory()
        let out = dir.appendingPathComponent("out.jsonl").path
        let script = try Self.write("""
            pipeline "endless" {
              from = { source.generator { rate = 2000 } },
              to = { storage.jsonl { path = "\(out)" } },
              batch_size = 50,
            }
            """, "main.lua", in: dir)
        let outcome = try Collector.run(["run", script], interruptAfter: .milliseconds(1500))
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let summary = outcome.stdout.split(separator: "\n").last.map(String.init) ?? ""
        #expect(summary.hasPrefix("pipeline endless: "), "\(summary)")
        let numbers = summary.split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }
        #expect(numbers[0] > 0)
        // Everything collected was stored: the drain flushed the last batch.
        #expect(try Self.lines(out).count == numbers[1])
        #expect(summary.hasSuffix("=\(numbers[1])"))
    }

    @Test func severalPipelinesRunConcurrently() throws {
        let dir = try Self.directory()
        let a = dir.appendingPathComponent("a.jsonl").path
        let b = dir.appendingPathComponent("b.db").path
        let script = try Self.write("""
            pipeline "a" { from = { source.generator { count = 30 } }, to = { storage.jsonl { path = "\(a)" } } }
            pipeline "b" { from = { source.generator { count = 40, seed = 7 } }, to = { storage.sqlite { path = "\(b)" } } }
            """, "main.lua", in: dir)
        let outcome = try Collector.run(["run", script])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.stdout == """
            pipeline a: 30 in, 30 out, 0 dropped, 0 failed, 0 dead letters; stored jsonl:\(a)=30
            pipeline b: 40 in, 40 out, 0 dropped, 0 failed, 0 dead letters; stored sqlite:\(b)=40

            """)
        #expect(try Self.lines(a).count == 30)
    }

    @Test func theQuickstartExampleRunsOffline() throws {
        let dir = try Self.directory()
        let db = dir.appendingPathComponent("quickstart.db").path
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let example = repository.appendingPathComponent("examples/quickstart.lua").path
        let process = Process()
        process.executableURL = Collector.executable
        process.arguments = ["run", example]
        process.environment = ProcessInfo.processInfo.environment.merging(["DB": db]) { $1 }
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let stdout = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(stdout.contains("sqlite3 \(db) "), "\(stdout)")
        #expect(stdout.contains("pipeline quickstart: 10000 in, "), "\(stdout)")
        let high = try Self.read("""
            local db = storage.sqlite { path = "\(db)", table = "readings" }
            print(db:count(), #db:query { filters = { severity = "high" } }, #db:query { filters = { unit = "C" } })
            """)
        let parts = high.split(separator: "\t").compactMap { Int($0) }
        #expect(parts.count == 3 && parts[0] > 9000 && parts[1] > 0 && parts[2] == 0, "\(high)")
    }
}
