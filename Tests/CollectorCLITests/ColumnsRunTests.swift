import Foundation
import Testing

/// A table the script declares (`columns = { ... }`), end to end through
/// `collector run`: the table has exactly the listed columns, each fed from
/// its field, and a record that does not fit goes to the dead letters while
/// the rest are stored.
enum TypedTableRun {
    /// Six columns, one of each kind, one fed from a field of another name
    /// (`ts` from `timestamp`), one with an SQL type of its own.
    static let columns = """
        {
            { "sensor_id", "text", required = true },
            { "value", "real" },
            { "ts", "integer", field = "timestamp" },
            { "tags", "json" },
            { "ok", "boolean" },
            { "note", "text", sql_type = "VARCHAR(40)" },
          }
        """

    /// Line 2's value is a string for a real column; line 4 has no sensor_id, which is required.
    static let input = [
        #"{"sensor_id":"s-1","value":20.5,"timestamp":1700000000001,"tags":{"line":"c","shift":{"n":1,"crew":["a","b"]}},"ok":true,"note":"first","extra":1}"#,
        #"{"sensor_id":"s-2","value":"n/a","timestamp":1700000000002,"ok":false}"#,
        #"{"sensor_id":"s-3","value":7,"timestamp":1700000000003,"tags":[1,2],"ok":false,"note":"third"}"#,
        #"{"value":1.5,"timestamp":1700000000004}"#,
        #"{"sensor_id":"s-5","value":2.25,"timestamp":1700000000005,"note":"fifth"}"#,
    ].joined(separator: "\n") + "\n"

    /// Runs `pipeline "typed"` from the input into `backend` (Lua, using `columns`),
    /// checks its summary and returns the dead letters.
    static func run(backend: String, stored: String, arguments: [String] = []) throws -> (dir: URL, letters: [(Int, String)]) {
        let dir = try PipelineRunTests.directory()
        let input = try PipelineRunTests.write(Self.input, "in.jsonl", in: dir)
        let dead = dir.appendingPathComponent("dead.jsonl").path
        let script = try PipelineRunTests.write("""
            local columns = \(columns)
            pipeline "typed" {
              from = source.file { path = "\(input)" },
              to = \(backend),
              dead_letter = storage.jsonl { path = "\(dead)" },
              spool = false,
            }
            """, "main.lua", in: dir)
        let outcome = try Collector.run(["run", script] + arguments, directory: dir)
        #expect(outcome.status == 1, "records the table refused are not stored: \(outcome.stderr)")
        #expect(outcome.stdout.contains("pipeline typed: 5 in, 5 out, 0 dropped, 0 failed, 2 dead letters; stored \(stored)=3; 2 failed to store"),
            "\(outcome.stdout)")
        return (dir, try BadInputRunTests.letters(dead))
    }

    static func expectLetters(_ letters: [(Int, String)], notNull: String) {
        #expect(letters.map(\.0) == [2, 4], "\(letters)")
        guard letters.count == 2 else { return }
        #expect(letters[0].1.contains("field 'value' is string, but column 'value' holds real values"), "\(letters[0].1)")
        #expect(letters[1].1.contains(notNull), "\(letters[1].1)")
    }
}

@Suite("collector run: typed tables from a script")
struct ColumnsRunTests {
    @Test func aColumnListMakesThatTableInSQLite() throws {
        let db = FileManager.default.temporaryDirectory.appendingPathComponent("columns-\(UUID().uuidString).db").path
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: db + suffix) } }
        let backend = #"storage.sqlite { path = "\#(db)", table = "events", columns = columns }"#
        let (dir, letters) = try TypedTableRun.run(backend: backend, stored: "sqlite:\(db)")
        defer { try? FileManager.default.removeItem(at: dir) }
        TypedTableRun.expectLetters(letters, notNull: "NOT NULL constraint failed: events.sensor_id")

        // Exactly the listed columns, in order, with their types and NOT NULL; then the backend's record ids.
        #expect(sqliteValue(db, #"SELECT group_concat(name || ' ' || type || ' ' || "notnull", ', ') FROM pragma_table_info('events')"#)
            == "sensor_id TEXT 1, value REAL 0, ts INTEGER 0, tags TEXT 0, ok INTEGER 0, note VARCHAR(40) 0, record_id BLOB 0")
        #expect(sqliteValue(db, "SELECT sensor_id, value, ts, ok, note, typeof(value) FROM events ORDER BY rowid") == """
            s-1|20.5|1700000000001|1|first|real
            s-3|7.0|1700000000003|0|third|real
            s-5|2.25|1700000000005||fifth|real
            """)
        // The JSON column holds the nested value as text, and only the listed fields were stored.
        #expect(sqliteValue(db, "SELECT tags FROM events WHERE sensor_id = 's-1'") == #"{"line":"c","shift":{"n":1,"crew":["a","b"]}}"#)
        #expect(sqliteValue(db, "SELECT json_extract(tags, '$.shift.crew[1]'), typeof(tags) FROM events WHERE sensor_id = 's-1'") == "b|text")
        #expect(sqliteValue(db, "SELECT group_concat(coalesce(tags, 'NULL'), ' ') FROM events") == "{\"line\":\"c\",\"shift\":{\"n\":1,\"crew\":[\"a\",\"b\"]}} [1,2] NULL")

        // Read back through the same list: each column comes back as its field.
        let read = try PipelineRunTests.read("""
            local columns = \(TypedTableRun.columns)
            local db = storage.sqlite { path = "\(db)", table = "events", columns = columns }
            local rows = db:query { sort_by = "timestamp", order = "desc" }
            print(#rows, json.encode(rows[#rows], { sort_keys = true }))
            """)
        #expect(read == "3\t" + #"{"note":"first","ok":true,"sensor_id":"s-1","tags":{"line":"c","shift":{"crew":["a","b"],"n":1}},"timestamp":1700000000001,"value":20.5}"#)
    }

    /// Whether the PostgreSQL tests are skipped on purpose (as in CollectorPostgresTests).
    static let postgresOptedOut = ProcessInfo.processInfo.environment["COLLECTOR_TEST_POSTGRES_OPTOUT"] == "1"

    @Test(.enabled(if: !postgresOptedOut)) func aColumnListMakesThatTableInPostgreSQL() throws {
        let url = try #require(
            ProcessInfo.processInfo.environment["COLLECTOR_TEST_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 },
            """
            COLLECTOR_TEST_POSTGRES_URL is not set: run scripts/test.sh, or scripts/postgres-test-cluster.sh start \
            and export the line of .build/postgres-test.env (COLLECTOR_TEST_POSTGRES_OPTOUT=1 skips these tests)
            """)
        let table = "events_\(UUID().uuidString.prefix(8).lowercased())"
        defer { _ = try? Self.psql(url, "DROP TABLE IF EXISTS \(table)") }
        let backend = #"storage.postgres { url = env("DB_URL"), table = "\#(table)", columns = columns }"#
        let (dir, letters) = try TypedTableRun.run(backend: backend, stored: "postgres-1", arguments: ["--set", "DB_URL=\(url)"])
        defer { try? FileManager.default.removeItem(at: dir) }
        TypedTableRun.expectLetters(letters, notNull: #"null value in column "sensor_id""#)

        // The backend's id and location_id, then exactly the listed columns.
        #expect(try Self.psql(url, """
            SELECT string_agg(attname || ' ' || format_type(atttypid, atttypmod) || CASE WHEN attnotnull THEN ' NOT NULL' ELSE '' END,
              ', ' ORDER BY attnum) FROM pg_attribute WHERE attrelid = '\(table)'::regclass AND attnum > 0 AND NOT attisdropped
            """) == "id bigint NOT NULL, location_id uuid NOT NULL, sensor_id text NOT NULL, value double precision, ts bigint, "
                + "tags jsonb, ok boolean, note character varying(40)")
        #expect(try Self.psql(url, """
            SELECT string_agg(concat_ws('|', sensor_id, value, ts, ok, note), ' / ' ORDER BY id) FROM \(table)
            """) == "s-1|20.5|1700000000001|t|first / s-3|7|1700000000003|f|third / s-5|2.25|1700000000005|fifth")
        #expect(try Self.psql(url, "SELECT tags #>> '{shift,crew,1}', jsonb_typeof(tags) FROM \(table) WHERE sensor_id = 's-1'") == "b|object")
        #expect(try Self.psql(url, "SELECT tags::text FROM \(table) WHERE sensor_id = 's-3'") == "[1, 2]")

        let read = try PipelineRunTests.read("""
            local columns = \(TypedTableRun.columns)
            local db = storage.postgres { url = "\(url)", table = "\(table)", columns = columns }
            local rows = db:query { sort_by = "timestamp" }
            print(#rows, rows[1].timestamp, rows[1].tags.shift.crew[2], rows[3].note, rows[3].tags == nil)
            """)
        #expect(read == "3\t1700000000001\tb\tfifth\ttrue")
    }

    /// One value (or rows joined by `|`) from psql.
    static func psql(_ url: String, _ sql: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["psql", url, "-X", "-A", "-t", "-q", "-v", "ON_ERROR_STOP=1", "-c", sql]
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        let errors = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw PsqlError(message: "psql failed: \(String(decoding: errors, as: UTF8.self))")
        }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    struct PsqlError: Error, CustomStringConvertible {
        let message: String
        var description: String { message }
    }
}
