import CollectorSQLite
import CollectorStorage
import Collectors
import CollectorValues
import Foundation
import Testing

@Suite("SQLiteStorage, typed columns")
struct SQLiteTypedTests {
    @Test func theReadingsTableIsTheBenchmarksTable() async throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("readings.db")
        let storage = SQLiteStorage(path: path, options: .readings)
        try await storage.connect()
        _ = try await storage.store(batch: benchRecords)
        let raw = RawSQLite(path: path)
        #expect(try raw.rows("SELECT name, type, \"notnull\" FROM pragma_table_info('readings') ORDER BY cid") == [
            ["sensor_id", "TEXT", "1"], ["value", "REAL", "1"], ["unit", "TEXT", "0"], ["ts", "INTEGER", "1"],
            ["site", "TEXT", "0"], ["severity", "TEXT", "1"], ["tags", "TEXT", "0"], ["record_id", "BLOB", "0"],
        ])
        #expect(try raw.rows("SELECT sql FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'readings'") == [
            [#"CREATE UNIQUE INDEX "readings_record_id" ON "readings" (record_id) WHERE record_id IS NOT NULL"#]
        ])
        #expect(try raw.rows("SELECT sensor_id, typeof(value), ts, site, severity, tags FROM readings ORDER BY rowid") == [
            ["s-0593", "real", "1764288000009", "plant-8", "normal", #"{"line":"c","shift":1}"#],
            ["s-0001", "real", "1764288000010", nil, "high", "{}"],
            ["s-0002", "real", "1764288000011", "plant-1", "normal", nil],
        ])
    }

    /// A table made before keeps its columns: opened with another layout, it
    /// is refused at connect with what it has, for writing and reading alike
    /// (not a "no such column" at each store, retried as if the file were busy).
    @Test func aTableOfAnotherLayoutIsRefusedAtConnectWithItsColumns() async throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("made.db")
        let typed = SQLiteStorage(path: path, options: .readings)
        try await typed.connect()
        _ = try await typed.store(batch: benchRecords)
        await typed.disconnect()
        for readOnly in [false, true] {
            let document = SQLiteStorage(path: path, options: SQLiteOptions(table: "readings", readOnly: readOnly))
            let error = await #expect(throws: ErrorInfo.self) { try await document.connect() }
            #expect(error?.type == .configuration)
            #expect(
                error?.message == "SQLite table 'readings' in \(path) has the columns sensor_id, value, unit, ts, site, severity, tags, record_id: "
                    + "it is not a table of the document layout (location_id, created_at, data); give its `columns` to use it as a typed table, or another `table`",
                "\(error?.message ?? "")")
        }
        let more = SQLiteStorage(
            path: path,
            options: SQLiteOptions(table: "readings", layout: .columns([Column("sensor_id", .text), Column("plant", .text), Column("line", .integer)])))
        let error = await #expect(throws: ErrorInfo.self) { try await more.connect() }
        #expect(error?.message.hasSuffix("it has no column 'plant', 'line' of the `columns` given; add them (ALTER TABLE ... ADD COLUMN), drop them from `columns`, or use another `table`") == true, "\(error?.message ?? "")")
        // The same columns, or fewer of them, open it.
        let fewer = SQLiteStorage(path: path, options: SQLiteOptions(table: "readings", layout: .columns([Column("sensor_id", .text)])))
        try await fewer.connect()
        #expect(try await fewer.query(QueryCriteria()).count == 3)
    }

    @Test(arguments: [true, false])
    func recordsCarriedAsTextGiveTheRowsTheirValuesGive(recordIDs: Bool) async throws {
        let dir = try TemporaryDirectory()
        var options = SQLiteOptions.readings
        options.recordIDs = recordIDs
        let records = benchRecords.enumerated().map { Record($0.element, sourceID: "s", sequence: UInt64($0.offset + 1)) }
        let texts = try records.map { $0.with(jsonText: try JSONWriter().bytes($0.value)[...]) }
        for (name, batch) in [("values.db", records), ("texts.db", [texts[0], records[1], texts[2]])] {
            let storage = SQLiteStorage(path: dir.file(name), options: options)
            try await storage.connect()
            _ = try await storage.store(records: batch)
            await storage.disconnect()
        }
        let columns = "sensor_id, value, typeof(value), unit, ts, site, severity, tags" + (recordIDs ? ", hex(record_id)" : "")
        let select = "SELECT \(columns) FROM readings ORDER BY rowid"
        let fromValues = try RawSQLite(path: dir.file("values.db")).rows(select)
        #expect(fromValues.count == 3)
        #expect(try RawSQLite(path: dir.file("texts.db")).rows(select) == fromValues)
        // A text record whose field does not fit its column fails as its value would.
        let bad = records[0].with(jsonText: Array(#"{"sensor_id":"s","value":"high","ts":1,"severity":"x"}"#.utf8)[...])
        let storage = SQLiteStorage(path: dir.file("texts.db"), options: options)
        try await storage.connect()
        let error = await #expect(throws: ErrorInfo.self) { try await storage.store(records: [bad]) }
        #expect(error?.message.contains("field 'value' is string, but column 'value' holds real values") == true, "\(error?.message ?? "")")
    }

    /// Every shape a field can take in a record carried as text: the ones the
    /// fast path binds from the bytes (plain strings, numbers, literals,
    /// nested JSON) and the ones it hands to the value path (escapes, a
    /// scalar in a JSON column, numbers strtod must read).
    static let fieldShapes: [DataValue] = [
        ["name": "plain", "amount": 1.5, "count": 7, "flag": true, "extra": ["a": [1, 2]]],
        ["name": "quote \" backslash \\ tab \t", "amount": -0.001, "count": -9_000_000_000_000_000_000, "flag": false, "extra": [1, "x"]],
        ["name": "é ✓ 🎉", "amount": .double(1.5e-7), "count": .integer(Int64.max), "extra": "a string in a JSON column"],
        ["name": "", "amount": 12, "count": 0, "flag": nil, "extra": nil],
        ["amount": .double(0.30000000000000004), "count": 1, "flag": true, "extra": 42],
        ["name": "big", "amount": .double(1.7976931348623157e308), "count": .integer(Int64.min), "extra": [:]],
        ["name": "small", "amount": .double(-2.2250738585072014e-308), "count": 5, "extra": []],
        ["name": "exp", "amount": .double(1.5e22), "count": 5, "extra": ["k": nil]],
        ["name": "neg zero", "amount": .double(-0.0), "count": 5, "extra": true],
        ["name": "last", "amount": .double(123456.789), "count": 1_764_288_000_009],
    ]

    @Test func everyFieldShapeBindsFromTextAsFromItsValue() async throws {
        let dir = try TemporaryDirectory()
        var options = SQLiteOptions(table: "shapes")
        options.layout = .columns([
            Column("name", .text), Column("amount", .real), Column("count", .integer), Column("flag", .boolean),
            Column("extra", .json),
        ])
        options.recordIDs = false
        let records = Self.fieldShapes.enumerated().map { Record($0.element, sourceID: "s", sequence: UInt64($0.offset + 1)) }
        let texts = try records.map { $0.with(jsonText: try JSONWriter().bytes($0.value)[...]) }
        for (name, batch) in [("values.db", records), ("texts.db", texts)] {
            let storage = SQLiteStorage(path: dir.file(name), options: options)
            try await storage.connect()
            _ = try await storage.store(records: batch)
            await storage.disconnect()
        }
        let select = """
            SELECT hex(name), typeof(amount), printf('%.17g', amount), typeof(count), count, typeof(flag), flag, extra
            FROM shapes ORDER BY rowid
            """
        let fromValues = try RawSQLite(path: dir.file("values.db")).rows(select)
        #expect(fromValues.count == Self.fieldShapes.count)
        #expect(fromValues[1][6] == "0" && fromValues[0][6] == "1")
        #expect(fromValues[2][7] == #""a string in a JSON column""#)
        let fromTexts = try RawSQLite(path: dir.file("texts.db")).rows(select)
        for (row, (text, value)) in zip(fromTexts, fromValues).enumerated() {
            #expect(text == value, "row \(row)")
        }
    }

    @Test(arguments: [
        (#"{"name":1}"#, "field 'name' is integer, but column 'name' holds text values"),
        (#"{"amount":"1.5"}"#, "field 'amount' is string, but column 'amount' holds real values"),
        (#"{"count":1.5}"#, "field 'count' is float, but column 'count' holds integer values"),
        (#"{"flag":1}"#, "field 'flag' is integer, but column 'flag' holds boolean values"),
        (#"{"name":["x"]}"#, "field 'name' is array, but column 'name' holds text values"),
    ])
    func aTextFieldOfTheWrongTypeFailsAsItsValueWould(text: String, message: String) async throws {
        let dir = try TemporaryDirectory()
        var options = SQLiteOptions(table: "shapes")
        options.layout = .columns([Column("name", .text), Column("amount", .real), Column("count", .integer), Column("flag", .boolean)])
        let storage = SQLiteStorage(path: dir.file("t.db"), options: options)
        try await storage.connect()
        let good = Record(["name": "ok"], sourceID: "s", sequence: 1)
        let bad = Record(.null, sourceID: "s", sequence: 2).with(jsonText: Array(text.utf8)[...])
        let error = await #expect(throws: ErrorInfo.self) { try await storage.store(records: [good, bad]) }
        #expect(error?.message.contains(message) == true, "\(error?.message ?? "")")
        #expect(error?.message.contains("record 1") == true, "\(error?.message ?? "")")
        #expect(try RawSQLite(path: dir.file("t.db")).rows("SELECT count(*) FROM shapes") == [["0"]])
    }

    @Test func readsRecordsBackWithTheirTypes() async throws {
        let dir = try TemporaryDirectory()
        let storage = SQLiteStorage(path: dir.file("r.db"), options: .readings)
        try await storage.connect()
        _ = try await storage.store(batch: benchRecords)
        let back = try await storage.query(QueryCriteria())
        // Column order; NULL columns come back as missing fields; integers in a REAL column come back as floats.
        #expect(back[0] == [
            "sensor_id": "s-0593", "value": 69.31, "unit": "F", "ts": 1_764_288_000_009, "site": "plant-8",
            "severity": "normal", "tags": ["line": "c", "shift": 1],
        ])
        #expect(back[2]["value"] == .double(12))
        #expect(back[2]["tags"] == nil)
    }

    @Test func filtersSortsAndPagesOnColumns() async throws {
        let dir = try TemporaryDirectory()
        let storage = SQLiteStorage(path: dir.file("q.db"), options: .readings)
        try await storage.connect()
        _ = try await storage.store(batch: benchRecords)
        let fahrenheit = try await storage.query(QueryCriteria(filters: ["unit": "F"], sortBy: "value", sortDirection: .descending))
        #expect(fahrenheit.map { $0["sensor_id"] } == ["s-0593", "s-0002"])
        #expect(try await storage.query(QueryCriteria(filters: ["value": 12])).count == 1)
        #expect(try await storage.query(QueryCriteria(filters: ["site": nil])).map { $0["sensor_id"] } == ["s-0001"])
        // An integer never equals a text column's string, even where SQLite's affinity would convert it.
        #expect(try await storage.query(QueryCriteria(filters: ["ts": "1764288000009"])).isEmpty)
        #expect(try await storage.query(QueryCriteria(sortBy: "ts", limit: 1, offset: 1)).map { $0["sensor_id"] } == ["s-0001"])
        let unknown = await #expect(throws: ErrorInfo.self) { try await storage.query(QueryCriteria(filters: ["nope": 1])) }
        #expect(unknown?.type == .validation)
    }

    @Test func deletesByRowID() async throws {
        let dir = try TemporaryDirectory()
        let storage = SQLiteStorage(path: dir.file("d.db"), options: .readings)
        try await storage.connect()
        let location = try await storage.store(benchRecords[0])
        #expect(location.locationID == "1")
        try await storage.delete(locationID: "1")
        for missing in ["1", "abc", "-5"] {
            let error = await #expect(throws: ErrorInfo.self) { try await storage.delete(locationID: missing) }
            #expect(error?.type == .notFound)
        }
    }

    @Test func aValueOfTheWrongTypeFailsTheWholeBatch() async throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("w.db")
        let storage = SQLiteStorage(path: path, options: .readings)
        try await storage.connect()
        var batch = benchRecords
        batch[1]["value"] = "n/a"
        let error = await #expect(throws: ErrorInfo.self) { try await storage.store(batch: batch) }
        #expect(error?.type == .validation)
        #expect(error?.message.contains("'value'") == true)
        #expect(try RawSQLite(path: path).count("readings") == 0)
        let notObject = await #expect(throws: ErrorInfo.self) { try await storage.store(batch: [[1, 2]]) }
        #expect(notObject?.type == .validation)
    }

    @Test(arguments: [
        Column("x; DROP TABLE t", .text), Column("ok", .text, sqlType: "text); DROP TABLE t; --"), Column("a\"b", .integer),
    ])
    func hostileColumnsAreRejected(_ column: Column) async throws {
        let dir = try TemporaryDirectory()
        let storage = SQLiteStorage(path: dir.file("h.db"), options: SQLiteOptions(table: "t", layout: .columns([column])))
        await #expect(throws: ErrorInfo.self) { try await storage.connect() }
        // validate() refuses them as connect() does, without a file, and says which column.
        let error = #expect(throws: ErrorInfo.self) {
            try SQLiteOptions(table: "t", layout: .columns([Column("fine", .text), column])).validate()
        }
        #expect(error?.details["column_position"] == .integer(2))
        #expect(!FileManager.default.fileExists(atPath: dir.file("h.db")))
    }
}
