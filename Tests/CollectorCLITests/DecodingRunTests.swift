import Foundation
import Testing

/// Decoding options through `collector run`: a CSV file read into SQLite
/// with its bad rows dead-lettered by line, and JSON arrays from an HTTP
/// API split into one record per element.
@Suite("collector run: csv and split", .timeLimit(.minutes(2)))
struct DecodingRunTests {
    @Test func aCSVFileGoesThroughAProcessorIntoSQLiteAndItsBadRowsAreDeadLettered() throws {
        let dir = try PipelineRunTests.directory()
        let input = try PipelineRunTests.write(
            "id,name,score,note\n1,ann,9.5,\"likes \"\"tea\"\", and cake\"\n2,bob,7,\"two\nlines\"\n3,cy\n4,dee,8,ok\n5,eve,\"6\"x,bad\n6,fay,10,\n",
            "in.csv", in: dir)
        let db = dir.appendingPathComponent("out.db").path
        let dead = dir.appendingPathComponent("dead.jsonl").path
        _ = try PipelineRunTests.write("""
            return function(r)
              r.kind = math.type(r.id) .. "/" .. type(r.name)
              return r
            end
            """, "proc.lua", in: dir)
        let script = try PipelineRunTests.write("""
            pipeline "csv" {
              from = source.file { path = "\(input)", format = "csv", csv_types = true },
              process = { processor.file "proc.lua" },
              to = storage.sqlite { path = "\(db)", table = "people" },
              dead_letter = storage.jsonl { path = "\(dead)" },
            }
            """, "main.lua", in: dir)
        let outcome = try Collector.run(["run", script])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.stdout.contains("pipeline csv: 6 in, 4 out, 0 dropped, 2 failed, 2 dead letters"), "\(outcome.stdout)")
        #expect(sqliteValue(db, "SELECT count(*) FROM people") == "4")
        // Row 6's note is null, so group_concat leaves it out.
        let stored = sqliteValue(
            db, "SELECT group_concat(json_extract(data, '$.id') || ':' || json_extract(data, '$.note') || ':' || json_extract(data, '$.kind'), '|') FROM people")
        #expect(stored == "1:likes \"tea\", and cake:integer/string|2:two\nlines:integer/string|4:ok:integer/string", "\(stored)")
        #expect(sqliteValue(db, "SELECT typeof(json_extract(data, '$.score')) FROM people ORDER BY rowid") == "real\ninteger\ninteger\ninteger")
        #expect(sqliteValue(db, "SELECT count(*) FROM people WHERE json_type(data, '$.note') = 'null'") == "1", "an empty field is null")
        let letters = try BadInputRunTests.letters(dead).map(\.1)
        #expect(letters == [
            "CSV line 5: 2 fields where there are 4 columns (id, name, score, note)",
            "CSV line 7: text after the closing quote of field 3 (\"x\")",
        ])
    }

    /// Text in, text out: a processor gets a line of `format = "text"` as a
    /// string and may return a string (or an array); a number is refused.
    @Test func textRecordsGoThroughAProcessorAsStrings() throws {
        let dir = try PipelineRunTests.directory()
        let input = try PipelineRunTests.write("alpha\nbeta\n42\n", "in.txt", in: dir)
        let out = dir.appendingPathComponent("out.jsonl").path
        let dead = dir.appendingPathComponent("dead.jsonl").path
        let script = try PipelineRunTests.write("""
            pipeline "text" {
              from = source.file { path = "\(input)", format = "text" },
              process = { function(line)
                if line == "beta" then return { line, #line } end
                if line == "42" then return tonumber(line) end
                return line:upper()
              end },
              to = storage.jsonl { path = "\(out)" },
              dead_letter = storage.jsonl { path = "\(dead)" },
            }
            """, "main.lua", in: dir)
        let outcome = try Collector.run(["run", "--quiet", script])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(try String(contentsOfFile: out, encoding: .utf8) == "\"ALPHA\"\n[\"beta\",4]\n")
        let letter = try String(contentsOfFile: dead, encoding: .utf8)
        #expect(letter.contains("process must return a record (a table), an array, a string or nil, got integer"), "\(letter)")
    }

    @Test func aQuoteStillOpenAtTheEndOfTheFileIsADeadLetterNotALoss() throws {
        let dir = try PipelineRunTests.directory()
        let input = try PipelineRunTests.write("a,b\n1,2\n3,\"open\n4,5\n", "in.csv", in: dir)
        let out = dir.appendingPathComponent("out.jsonl").path
        let dead = dir.appendingPathComponent("dead.jsonl").path
        let script = try PipelineRunTests.write("""
            pipeline "p" {
              from = source.file { path = "\(input)", format = "csv" },
              to = storage.jsonl { path = "\(out)" },
              dead_letter = storage.jsonl { path = "\(dead)" },
            }
            """, "main.lua", in: dir)
        let outcome = try Collector.run(["run", script])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.stdout.contains("pipeline p: 2 in, 1 out, 0 dropped, 1 failed, 1 dead letters"), "\(outcome.stdout)")
        #expect(try PipelineRunTests.lines(out) == [#"{"a":"1","b":"2"}"#])
        #expect(try BadInputRunTests.letters(dead).map(\.1) == ["CSV line 3: quoted field 2 is not closed before the end of the input"])
    }

    @Test func givenColumnsAndADelimiterReadStdinWithoutAHeader() throws {
        let dir = try PipelineRunTests.directory()
        let out = dir.appendingPathComponent("out.jsonl").path
        let script = try PipelineRunTests.write("""
            pipeline "p" {
              from = source.stdin { format = "csv", delimiter = ";", columns = { "a", "b" } },
              to = storage.jsonl { path = "\(out)" },
            }
            """, "main.lua", in: dir)
        let outcome = try Collector.run(["run", script], input: "1;x\n2;\"y;z\"\n")
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let records = try PipelineRunTests.lines(out).map {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: String]
        }
        #expect(records == [["a": "1", "b": "x"], ["a": "2", "b": "y;z"]])
    }

    @Test func csvOptionsAreCheckedWhereTheyAreGiven() throws {
        let dir = try PipelineRunTests.directory()
        for (source, message) in [
            (#"source.stdin { delimiter = ";" }"#, #"option 'delimiter' needs format = "csv" (the format is "jsonl")"#),
            (#"source.stdin { format = "csv", delimiter = ";;" }"#, "option 'delimiter' must be one ASCII character"),
            (#"source.file { path = "x", format = "csv", columns = { "a", "a" } }"#, #"option 'columns' names "a" twice"#),
            (#"source.file { path = "x", split = "items" }"#, #"option 'split' needs format = "json" (the format is "jsonl")"#),
            (#"source.file { path = "x", format = "json", split = "items" }"#, #"option 'split' needs mode = "whole""#),
            (#"source.http { url = "http://127.0.0.1:9/", split = 3 }"#, "option 'split' must be a dotted path"),
            (#"source.http { url = "http://127.0.0.1:9/", split = "a..b" }"#, "option 'split' must be a dotted path"),
        ] {
            let script = try PipelineRunTests.write("local s = \(source)\n", "bad.lua", in: dir)
            let outcome = try Collector.run(["check", script])
            #expect(outcome.status == 2, "\(source)")
            #expect(outcome.stderr.contains(message), "\(source): \(outcome.stderr)")
        }
    }
}

/// `split` on an HTTP source against the suite's fixture.
@Suite("collector run: split", .timeLimit(.minutes(2)))
struct SplitRunTests {
    private func run(_ source: String, server: LoopbackFixture) throws -> (Collector.Outcome, [[String: Any]], [String]) {
        let dir = try PipelineRunTests.directory()
        let out = dir.appendingPathComponent("out.jsonl").path
        let dead = dir.appendingPathComponent("dead.jsonl").path
        let script = try PipelineRunTests.write("""
            local URL = "\(server.base)"
            pipeline "p" {
              from = \(source),
              to = storage.jsonl { path = "\(out)" },
              dead_letter = storage.jsonl { path = "\(dead)" },
            }
            """, "main.lua", in: dir)
        let outcome = try Collector.run(["run", "--once", script])
        let records = ((try? PipelineRunTests.lines(out)) ?? []).compactMap {
            (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any]
        }
        let letters = ((try? BadInputRunTests.letters(dead)) ?? []).map(\.1)
        return (outcome, records, letters)
    }

    @Test func aTopLevelArrayBecomesOneRecordPerElement() throws {
        let server = try LoopbackFixture("http_fixture.py")
        let (outcome, records, letters) = try run(#"source.http { url = URL .. "/array", split = true }"#, server: server)
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(records.map { $0["n"] as? Int } == [1, 2, 3])
        #expect(letters.isEmpty)
    }

    @Test func anArrayAtAPathIsSplitOnEveryPage() throws {
        let server = try LoopbackFixture("http_fixture.py")
        let (outcome, records, _) = try run(
            #"source.http { url = URL .. "/numbered", pagination = "page", page_items = "data", max_pages = 10, split = "data" }"#,
            server: server)
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(records.map { "\($0["page"] ?? "")-\($0["item"] ?? "")" } == ["1-1", "1-2", "2-1", "2-2", "3-1", "3-2"])
    }

    @Test func aPathThatIsNotAnArrayIsAFailedRecordNamingIt() throws {
        let server = try LoopbackFixture("http_fixture.py")
        let (outcome, records, letters) = try run(#"source.http { url = URL .. "/pages", split = "page" }"#, server: server)
        #expect(records.isEmpty)
        #expect(letters == ["split path 'page' is an integer, not an array"], "\(outcome.stdout) \(outcome.stderr)")
        let missing = try run(#"source.http { url = URL .. "/pages", split = "data.items" }"#, server: server)
        #expect(missing.2 == ["split path 'data.items': the payload has no 'data'"])
    }
}
