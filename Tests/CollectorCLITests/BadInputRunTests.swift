import Foundation
import Testing

/// Bad input through `collector run`, end to end: each failure is said
/// clearly (with the file and line where there is one), fails only what it
/// concerns, and is counted right in the final summary.
@Suite("collector run: bad input")
struct BadInputRunTests {
    /// The dead letters of a JSON-lines file: (sequence, message), in order.
    static func letters(_ path: String) throws -> [(Int, String)] {
        try PipelineRunTests.lines(path).map { line in
            let letter = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let error = try #require(letter["error"] as? [String: Any])
            return (letter["sequence"] as? Int ?? -1, error["message"] as? String ?? "")
        }.sorted { $0.0 < $1.0 }
    }

    @Test func aProcessorThatMisbehavesFailsThoseRecordsOnly() throws {
        let dir = try PipelineRunTests.directory()
        let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/misbehaving_processor.lua")
        try FileManager.default.copyItem(at: fixture, to: dir.appendingPathComponent("bad.lua"))
        let kinds = ["ok", "error", "loop", "memory", "number", "cycle", "function", "os", "io", "ok"]
        let input = try PipelineRunTests.write(
            kinds.enumerated().map { "{\"id\":\($0.offset),\"kind\":\"\($0.element)\"}" }.joined(separator: "\n") + "\n",
            "in.jsonl", in: dir)
        let out = dir.appendingPathComponent("out.jsonl").path
        let dead = dir.appendingPathComponent("dead.jsonl").path
        let script = try PipelineRunTests.write("""
            pipeline "bad" {
              from = source.file { path = "\(input)" },
              process = { processor.file("bad.lua", { memory = "16MB", instructions = 2000000, parallel = 2 }) },
              to = storage.jsonl { path = "\(out)" },
              dead_letter = storage.jsonl { path = "\(dead)" },
            }
            """, "main.lua", in: dir)
        let outcome = try Collector.run(["run", script])
        #expect(outcome.status == 0, "a failing record is not a failing run: \(outcome.stderr)")
        #expect(outcome.stdout.contains(
            "pipeline bad: 10 in, 2 out, 0 dropped, 8 failed, 8 dead letters; stored jsonl:\(out)=2"), "\(outcome.stdout)")
        let stored = try PipelineRunTests.lines(out)
        #expect(stored.count == 2 && stored[0].contains("\"id\":0") && stored[1].contains("\"id\":9"), "\(stored)")
        let letters = try Self.letters(dead)
        #expect(letters.map(\.0) == Array(2...9), "sequences count lines from 1: \(letters)")
        // Lua shortens a long chunk name from the left ("...dir/bad.lua:2:"): compare the ends.
        let expected = [
            "/bad.lua:2: bad record 1",
            "/bad.lua:3: instruction limit exceeded (2000000 instructions)",
            "not enough memory",
            "process must return a record (a table), an array, a string or nil, got integer",
            "cannot convert result.self: a table that contains itself (a cycle)",
            "cannot convert result.f: cannot convert a function to data",
            "/bad.lua:8: attempt to call a nil value (field 'execute')",
            "/bad.lua:9: attempt to index a nil value (global 'io')",
        ]
        #expect(letters.count == expected.count)
        for ((_, message), wanted) in zip(letters, expected) {
            #expect(message.hasSuffix(wanted), "\(message)")
        }
    }

    @Test func aBackendThatRefusesSomeRecordsDeadLettersThemAndStoresTheRest() throws {
        let dir = try PipelineRunTests.directory()
        // The readings layout's ts is NOT NULL: the records without one are refused by SQLite.
        let lines = (1...8).map { n in
            n % 3 == 0
                ? "{\"sensor_id\":\"s-\(n)\",\"value\":\(n).5,\"severity\":\"normal\"}"
                : "{\"sensor_id\":\"s-\(n)\",\"value\":\(n).5,\"ts\":\(1000 + n),\"severity\":\"normal\"}"
        }
        let input = try PipelineRunTests.write(lines.joined(separator: "\n") + "\n", "in.jsonl", in: dir)
        let db = dir.appendingPathComponent("out.db").path
        let dead = dir.appendingPathComponent("dead.jsonl").path
        let script = try PipelineRunTests.write("""
            pipeline "refused" {
              from = source.file { path = "\(input)" },
              to = storage.sqlite { path = "\(db)", table = "readings" },
              dead_letter = storage.jsonl { path = "\(dead)" },
            }
            """, "main.lua", in: dir)
        let outcome = try Collector.run(["run", script])
        #expect(outcome.status == 1, "records the database refused are not stored: \(outcome.stderr)")
        #expect(outcome.stderr.contains("pipeline refused: 2 records were not stored"), "\(outcome.stderr)")
        #expect(outcome.stdout.contains(
            "pipeline refused: 8 in, 8 out, 0 dropped, 0 failed, 2 dead letters; stored sqlite:\(db)=6; 2 failed to store"),
            "\(outcome.stdout)")
        let letters = try Self.letters(dead)
        #expect(letters.map(\.0) == [3, 6])
        #expect(letters.allSatisfy { $0.1.contains("NOT NULL constraint failed: readings.ts") }, "\(letters)")
        #expect(outcome.stderr.contains("NOT NULL constraint failed: readings.ts"), "the refusal is logged")
        let stored = try PipelineRunTests.read("""
            local rows = storage.sqlite { path = "\(db)", table = "readings" }:query { sort_by = "ts" }
            local ids = {}
            for _, row in ipairs(rows) do ids[#ids + 1] = row.sensor_id end
            print(table.concat(ids, ","))
            """)
        #expect(stored == "s-1,s-2,s-4,s-5,s-7,s-8")
    }

    @Test func aPipelineThatWouldReadItsOwnOutputIsAScriptErrorAtItsLine() throws {
        let dir = try PipelineRunTests.directory()
        let file = dir.appendingPathComponent("loop.jsonl").path
        try "{\"a\":1}\n".write(toFile: file, atomically: true, encoding: .utf8)
        let script = try PipelineRunTests.write("""
            local both = "\(file)"
            pipeline "loop" { from = source.file { path = both }, to = storage.jsonl { path = both } }
            """, "main.lua", in: dir)
        for command in ["run", "check"] {
            let outcome = try Collector.run([command, script])
            #expect(outcome.status == 2, "\(command)")
            #expect(outcome.stderr.contains("main.lua:2: pipeline \"loop\": jsonl:\(file) writes \(file), which the source file-1 reads"),
                "\(command): \(outcome.stderr)")
            #expect(outcome.stderr.contains("(a cycle)"))
        }
        #expect(try PipelineRunTests.lines(file) == [#"{"a":1}"#], "nothing ran")
    }

    /// A whole file that is not UTF-8 (or over the size limit) is a dead
    /// letter holding its bytes, not the end of its source or of the run.
    @Test func aWholeFileThatIsNotUTF8IsADeadLetterAndTheRunGoesOn() throws {
        let dir = try PipelineRunTests.directory()
        let bad = dir.appendingPathComponent("bad.txt").path
        try Data([0x63, 0x61, 0x66, 0xE9, 0x0A]).write(to: URL(fileURLWithPath: bad))
        let good = try PipelineRunTests.write("fine\n", "good.txt", in: dir)
        let out = dir.appendingPathComponent("out.jsonl").path
        let dead = dir.appendingPathComponent("dead.jsonl").path
        let script = try PipelineRunTests.write("""
            pipeline "whole" {
              from = {
                source.file { path = "\(bad)", mode = "whole", format = "text" },
                source.file { path = "\(good)", mode = "whole", format = "text" },
              },
              to = storage.jsonl { path = "\(out)" },
              dead_letter = storage.jsonl { path = "\(dead)" },
            }
            """, "main.lua", in: dir)
        let outcome = try Collector.run(["run", script])
        #expect(outcome.status == 0, "a refused file is a failed record, not a failed source: \(outcome.stderr)")
        #expect(outcome.stdout.contains("2 in, 1 out, 0 dropped, 1 failed, 1 dead letters"), "\(outcome.stdout)")
        #expect(try PipelineRunTests.lines(out) == [#""fine\n""#])
        let letters = try PipelineRunTests.lines(dead)
        #expect(letters.count == 1)
        let letter = try #require(try JSONSerialization.jsonObject(with: Data(letters[0].utf8)) as? [String: Any])
        let record = try #require(letter["record"] as? [String: Any])
        #expect(record["base64"] as? String == Data([0x63, 0x61, 0x66, 0xE9, 0x0A]).base64EncodedString())
        let error = try #require(letter["error"] as? [String: Any])
        #expect((error["message"] as? String)?.contains("is not valid UTF-8") == true, "\(error)")
        #expect((error["details"] as? [String: Any])?["reason"] as? String == "not_utf8")
    }
}
