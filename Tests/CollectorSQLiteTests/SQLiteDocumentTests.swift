import CollectorSQLite
import CollectorStorage
import Collectors
import CollectorValues
import Testing

@Suite("SQLiteStorage, document layout")
struct SQLiteDocumentTests {
    @Test func storesQueriesAndDeletes() async throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("doc.db")
        let storage = SQLiteStorage(id: "local", path: path)
        try await storage.connect()
        let record: DataValue = ["a": 1, "f": 1.0, "n": nil, "e": [], "o": [:], "big": 9_007_199_254_740_993, "s": "x\u{0}y"]
        let location = try await storage.store(record)
        #expect(location.backendID == "local")
        #expect(location.path == "sqlite://\(path)/records/\(location.locationID)")
        let back = try await storage.query(QueryCriteria())
        #expect(back.count == 1)
        #expect(back.first?.isIdentical(to: record) == true)
        try await storage.delete(locationID: location.locationID)
        #expect(try await storage.query(QueryCriteria()).isEmpty)
        let error = await #expect(throws: ErrorInfo.self) { try await storage.delete(locationID: location.locationID) }
        #expect(error?.type == .notFound)
    }

    /// `storedCount()` is `SELECT count(*)`, in both layouts.
    @Test(arguments: [TableLayout.document, .readings])
    func countsWithoutReadingTheRows(layout: TableLayout) async throws {
        let dir = try TemporaryDirectory()
        let storage = SQLiteStorage(path: dir.file("count.db"), options: SQLiteOptions(table: "t", layout: layout))
        try await storage.connect()
        #expect(try await storage.storedCount() == 0)
        let reading: DataValue = ["sensor_id": "s-1", "value": 1.5, "ts": 1, "severity": "low"]
        _ = try await storage.store(batch: Array(repeating: reading, count: 75))
        #expect(try await storage.storedCount() == 75)
        await storage.disconnect()
        let error = await #expect(throws: ErrorInfo.self) { _ = try await storage.storedCount() }
        #expect(error?.message.contains("not connected") == true)
    }

    @Test func theFileHasWALAndTheDocumentTable() async throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("wal.db")
        let storage = SQLiteStorage(path: path, options: SQLiteOptions(table: "events"))
        try await storage.connect()
        _ = try await storage.store(["k": "v"])
        let raw = RawSQLite(path: path)
        #expect(try raw.rows("PRAGMA journal_mode") == [["wal"]])
        #expect(try raw.rows("SELECT name, type, pk FROM pragma_table_info('events') ORDER BY cid") == [
            ["location_id", "TEXT", "1"], ["created_at", "INTEGER", "0"], ["data", "TEXT", "0"],
        ])
        #expect(try raw.rows("SELECT data FROM events") == [[#"{"k":"v"}"#]])
    }

    @Test func filtersFollowTheEqualityRule() async throws {
        let dir = try TemporaryDirectory()
        let storage = SQLiteStorage(path: dir.file("f.db"))
        try await storage.connect()
        let records: [DataValue] = [
            ["k": 1, "v": 1], ["k": 2, "v": 1.0], ["k": 3, "v": "1"], ["k": 4, "v": true], ["k": 5, "v": nil], ["k": 6],
        ]
        _ = try await storage.store(batch: records)
        func keys(_ filter: DataValue) async throws -> [DataValue?] {
            try await storage.query(QueryCriteria(filters: ["v": filter])).map { $0["k"] }
        }
        #expect(try await keys(1) == [1, 2])
        #expect(try await keys(1.0) == [1, 2])
        #expect(try await keys("1") == [3])
        #expect(try await keys(true) == [4])
        #expect(try await keys(nil) == [5])
        #expect(try await keys(2) == [])
    }

    @Test func sortsAndPages() async throws {
        let dir = try TemporaryDirectory()
        let storage = SQLiteStorage(path: dir.file("s.db"))
        try await storage.connect()
        _ = try await storage.store(batch: (0..<10).map { ["i": .integer(Int64($0)), "g": .integer(Int64($0 % 3))] })
        let page = try await storage.query(QueryCriteria(sortBy: "g", sortDirection: .descending, limit: 3, offset: 1))
        #expect(page.map { $0["i"] } == [5, 8, 1])
        let ascending = try await storage.query(QueryCriteria(filters: ["g": 0], sortBy: "i", limit: 2))
        #expect(ascending.map { $0["i"] } == [0, 3])
    }

    @Test func sqlInFilterValuesIsJustAValue() async throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("inj.db")
        let storage = SQLiteStorage(path: path)
        try await storage.connect()
        let hostile = "x' OR '1'='1'; DROP TABLE records; --"
        _ = try await storage.store(batch: [["name": "a"], ["name": .string(hostile)]])
        #expect(try await storage.query(QueryCriteria(filters: ["name": "x' OR '1'='1"])).isEmpty)
        #expect(try await storage.query(QueryCriteria(filters: ["name": .string(hostile)])) == [["name": .string(hostile)]])
        #expect(try RawSQLite(path: path).count("records") == 2)
    }

    /// `-` is allowed in field names (`sensor-id`), so `--` is too: inside a
    /// bound JSON path it is just two characters of a name.
    @Test func aFieldNamedWithDashesIsJustAName() async throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("dash.db")
        let storage = SQLiteStorage(path: path)
        try await storage.connect()
        _ = try await storage.store(batch: [["a--": 1, "b": 1], ["a": 1, "b": 2]])
        #expect(try await storage.query(QueryCriteria(filters: ["a--": 1])) == [["a--": 1, "b": 1]])
        #expect(try await storage.query(QueryCriteria(sortBy: "a--", sortDirection: .descending)).first == ["a--": 1, "b": 1])
        #expect(try RawSQLite(path: path).count("records") == 2)
    }

    @Test(arguments: ["a'b", "a\"b", "x; DROP TABLE records", "a;--", "a.b", "$.x"])
    func hostileFieldNamesAreRejected(_ field: String) async throws {
        let dir = try TemporaryDirectory()
        let storage = SQLiteStorage(path: dir.file("h.db"))
        try await storage.connect()
        let error = await #expect(throws: ErrorInfo.self) {
            try await storage.query(QueryCriteria(filters: DataObject([(field, DataValue.string("v"))])))
        }
        #expect(error?.type == .validation)
        await #expect(throws: ErrorInfo.self) { try await storage.query(QueryCriteria(sortBy: field)) }
    }

    @Test(arguments: ["records; DROP TABLE x", "t\"", "a b", "t--", ""])
    func hostileTableNamesAreRejected(_ table: String) async throws {
        let dir = try TemporaryDirectory()
        let storage = SQLiteStorage(path: dir.file("t.db"), options: SQLiteOptions(table: table))
        let error = await #expect(throws: ErrorInfo.self) { try await storage.connect() }
        #expect(error?.type == .validation)
    }

    @Test func aBatchOfTenThousandIsOneTransaction() async throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("big.db")
        let storage = SQLiteStorage(
            path: path, options: SQLiteOptions(table: "numbers", layout: .columns([Column("i", .integer, nullable: false)])))
        try await storage.connect()
        var records = (0..<10_000).map { DataValue.object(["i": .integer(Int64($0))]) }
        let stored = try await storage.store(batch: records)
        #expect(stored.count == 10_000)
        #expect(try RawSQLite(path: path).count("numbers") == 10_000)
        // The same batch again, with a last record SQLite refuses (NOT NULL):
        // the 9,999 rows inserted before it are rolled back with it.
        records[9_999] = ["i": nil]
        let error = await #expect(throws: ErrorInfo.self) { try await storage.store(batch: records) }
        #expect(error?.type == .validation)
        #expect(error?.details["record_index"] == 9_999)
        #expect(error?.message.contains("NOT NULL") == true)
        #expect(try RawSQLite(path: path).count("numbers") == 10_000)
    }

    @Test func persistsAcrossReconnects() async throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("p.db")
        let first = SQLiteStorage(path: path)
        try await first.connect()
        _ = try await first.store(["x": 1])
        await first.disconnect()
        let second = SQLiteStorage(path: path)
        try await second.connect()
        #expect(try await second.query(QueryCriteria()) == [["x": 1]])
    }
}
