import Foundation
import Testing

/// `key = { ... }` end to end through `collector run`: a file imported twice
/// (with a changed line) leaves one row per key, holding the latest values,
/// and a line without its key goes to the dead letters while the rest are stored.
@Suite("collector run: natural keys")
struct NaturalKeyRunTests {
    static let first = [
        #"{"order_id":1,"status":"new","total":10}"#,
        #"{"order_id":2,"status":"new","total":20}"#,
        #"{"status":"lost","total":0}"#,
        #"{"order_id":1,"status":"paid","total":10}"#,
    ].joined(separator: "\n") + "\n"

    static let second = [
        #"{"order_id":2,"status":"shipped","total":20}"#,
        #"{"order_id":3,"status":"new","total":30}"#,
        #"{"order_id":null,"status":"lost","total":0}"#,
    ].joined(separator: "\n") + "\n"

    @Test(arguments: ["document", "columns"])
    func anImportRunTwiceKeepsOneRowPerKey(layout: String) throws {
        let dir = try PipelineRunTests.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let db = dir.appendingPathComponent("orders.db").path
        let columns = layout == "columns" ? #", columns = { { "order_id", "integer" }, { "status", "text" }, { "total", "integer" } }"# : ""
        for (run, input) in [Self.first, Self.second].enumerated() {
            let path = try PipelineRunTests.write(input, "in\(run).jsonl", in: dir)
            let dead = dir.appendingPathComponent("dead\(run).jsonl").path
            let script = try PipelineRunTests.write("""
                pipeline "orders" {
                  from = source.file { path = "\(path)" },
                  to = storage.sqlite { path = "\(db)", table = "orders", key = { "order_id" }\(columns) },
                  dead_letter = storage.jsonl { path = "\(dead)" },
                  spool = false,
                }
                """, "main\(run).lua", in: dir)
            let outcome = try Collector.run(["run", script], directory: dir)
            #expect(outcome.status == 1, "a record without its key is not stored: \(outcome.stderr)")
            #expect(outcome.stdout.contains("1 dead letters"), "\(outcome.stdout)")
            let letters = try BadInputRunTests.letters(dead)
            #expect(letters.count == 1)
            #expect(letters.first?.1.contains("has no key field 'order_id'") == true, "\(letters)")
        }
        let select =
            layout == "columns"
            ? "SELECT order_id || ':' || status FROM orders ORDER BY order_id"
            : "SELECT json_extract(data, '$.order_id') || ':' || json_extract(data, '$.status') FROM orders ORDER BY json_extract(data, '$.order_id')"
        #expect(sqliteValue(db, select) == "1:paid\n2:shipped\n3:new")
    }

    @Test func mistakesAreErrorsAtTheScriptsLine() throws {
        let cases: [(String, String)] = [
            ("local db = storage.sqlite { path = 'x.db', on_conflict = 'ignore' }", ":1: storage.sqlite: on_conflict needs a key"),
            ("local db = storage.sqlite { path = 'x.db', key = {} }", ":1: storage.sqlite: the key names no field"),
            ("local db = storage.postgres { url = 'postgresql://u@127.0.0.1/db', key = { 'a', 'a' } }", ":1: storage.postgres: key field 'a' is listed twice"),
            ("local db = storage.sqlite { path = 'x.db', key = { 'id' }, on_conflict = 'replace' }", ":1: storage.sqlite: option 'on_conflict' must be"),
            (
                "local db = storage.sqlite { path = 'x.db', columns = { { 'n', 'integer' } }, key = { 'order_id' } }",
                ":1: storage.sqlite: key field 'order_id' is not a column of the table"
            ),
        ]
        for (source, expected) in cases {
            let script = try Collector.script(source)
            let outcome = try Collector.run(["check", script])
            #expect(outcome.status == 2, "\(source)")
            #expect(outcome.stderr.contains(script + expected), "\(outcome.stderr)")
        }
    }
}
