import CollectorPostgres
import CollectorStorage
import Collectors
import CollectorValues
import Testing

@Suite("PostgresStorage, typed columns", .serialized, .enabled(if: !PostgresTestEnvironment.optedOut))
struct PostgresTypedTests {
    func makeStorage(
        _ columns: [Column] = readingsColumns, method: PostgresBatchMethod = .copy
    ) async throws -> (PostgresStorage, String, String) {
        let url = try PostgresTestEnvironment.url()
        let table = PostgresTestEnvironment.uniqueTable("typed")
        let storage = try PostgresStorage(url: url, options: PostgresOptions(table: table, layout: .columns(columns), batchMethod: method))
        try await storage.connect()
        return (storage, url, table)
    }

    /// A table made before keeps its columns: opened with another layout, it
    /// is refused at connect with what it has, not retried at each store.
    @Test func aTableOfAnotherLayoutIsRefusedAtConnectWithItsColumns() async throws {
        let (storage, url, table) = try await makeStorage([Column("sensor_id", .text), Column("value", .real)])
        await storage.disconnect()
        let document = try PostgresStorage(url: url, options: PostgresOptions(table: table))
        let error = await #expect(throws: ErrorInfo.self) { try await document.connect() }
        #expect(error?.type == .configuration)
        #expect(error?.message.hasSuffix(
            "has the columns id, location_id, sensor_id, value: it is not a table of the document layout (id, location_id, created_at, data); give its `columns` to use it as a typed table, or another `table`") == true,
            "\(error?.message ?? "")")
        let more = try PostgresStorage(
            url: url, options: PostgresOptions(table: table, layout: .columns([Column("sensor_id", .text), Column("site", .text)])))
        let missing = await #expect(throws: ErrorInfo.self) { try await more.connect() }
        #expect(missing?.message.contains("it has no column 'site' of the `columns` given; add it (ALTER TABLE ... ADD COLUMN)") == true, "\(missing?.message ?? "")")
    }

    @Test(arguments: PostgresBatchMethod.allCases)
    func storesTheReadingsColumns(_ method: PostgresBatchMethod) async throws {
        let (storage, url, table) = try await makeStorage(method: method)
        _ = try await storage.store(batch: benchRecords)
        let types = try run([
            "psql", url, "-X", "-A", "-t", "-c",
            "SELECT string_agg(column_name || ' ' || data_type || ' ' || is_nullable, ', ' ORDER BY ordinal_position) FROM information_schema.columns WHERE table_name = '\(table)'",
        ]).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(types == """
            id bigint NO, location_id uuid NO, sensor_id text NO, value double precision NO, unit text YES, ts bigint NO, \
            site text YES, severity text NO, tags jsonb YES
            """)
        #expect(try psqlValue(url, "SELECT tags::text FROM \(table) WHERE sensor_id = 's-0593'") == #"{"line": "c", "shift": 1}"#)
        let back = try await storage.query(QueryCriteria())
        #expect(back[0] == [
            "sensor_id": "s-0593", "value": 69.31, "unit": "F", "ts": 1_764_288_000_009, "site": "plant-8",
            "severity": "normal", "tags": ["line": "c", "shift": 1],
        ])
        #expect(back[2]["value"]?.isIdentical(to: .double(12)) == true)
        #expect(back[2]["tags"] == nil)
    }

    @Test(arguments: PostgresBatchMethod.allCases)
    func filtersSortsAndPagesOnColumns(_ method: PostgresBatchMethod) async throws {
        let (storage, _, _) = try await makeStorage(method: method)
        _ = try await storage.store(batch: benchRecords)
        let fahrenheit = try await storage.query(QueryCriteria(filters: ["unit": "F"], sortBy: "value", sortDirection: .descending))
        #expect(fahrenheit.map { $0["sensor_id"] } == ["s-0593", "s-0002"])
        #expect(try await storage.query(QueryCriteria(filters: ["value": 12])).count == 1)
        #expect(try await storage.query(QueryCriteria(filters: ["value": 12.0])).count == 1)
        #expect(try await storage.query(QueryCriteria(filters: ["site": nil])).map { $0["sensor_id"] } == ["s-0001"])
        #expect(try await storage.query(QueryCriteria(filters: ["ts": "1764288000009"])).isEmpty)
        #expect(try await storage.query(QueryCriteria(filters: ["sensor_id": "s-0001' OR '1'='1"])).isEmpty)
        #expect(try await storage.query(QueryCriteria(sortBy: "ts", limit: 1, offset: 1)).map { $0["sensor_id"] } == ["s-0001"])
        let unknown = await #expect(throws: ErrorInfo.self) { try await storage.query(QueryCriteria(filters: ["nope": 1])) }
        #expect(unknown?.type == .validation)
    }

    @Test(arguments: PostgresBatchMethod.allCases)
    func deletes(_ method: PostgresBatchMethod) async throws {
        let (storage, url, table) = try await makeStorage(method: method)
        let location = try await storage.store(benchRecords[0])
        _ = try await storage.store(benchRecords[1])
        try await storage.delete(locationID: location.locationID)
        #expect(try psqlValue(url, "SELECT string_agg(sensor_id, ',') FROM \(table)") == "s-0001")
        let error = await #expect(throws: ErrorInfo.self) { try await storage.delete(locationID: location.locationID) }
        #expect(error?.type == .notFound)
    }

    @Test(arguments: PostgresBatchMethod.allCases)
    func aValueTooLongForItsColumnFailsTheBatch(_ method: PostgresBatchMethod) async throws {
        let columns = [Column("code", .text, nullable: false, sqlType: "varchar(10)"), Column("n", .integer)]
        let (storage, url, table) = try await makeStorage(columns, method: method)
        let batch: [DataValue] = [
            ["code": "ok-1", "n": 1], ["code": "ok-2", "n": 2], ["code": "much-too-long", "n": 3], ["code": "ok-4", "n": 4],
        ]
        let error = await #expect(throws: ErrorInfo.self) { try await storage.store(batch: batch) }
        #expect(error?.type == .validation)
        #expect(error?.details["sqlstate"] == "22001")
        #expect(error?.message.contains("too long") == true)
        #expect(error?.isRetryable == false)
        #expect(try psqlValue(url, "SELECT count(*) FROM \(table)") == "0")
        // The good records, sent again: stored once each, nothing left over from the failed batch.
        let good = batch.filter { $0["n"] != 3 }
        _ = try await storage.store(batch: good)
        #expect(try psqlValue(url, "SELECT string_agg(code, ',' ORDER BY id) FROM \(table)") == "ok-1,ok-2,ok-4")
    }

    @Test(arguments: PostgresBatchMethod.allCases)
    func aValueOfTheWrongTypeFailsBeforeTheServer(_ method: PostgresBatchMethod) async throws {
        let (storage, url, table) = try await makeStorage(method: method)
        var batch = benchRecords
        batch[2]["ts"] = 1.5
        let error = await #expect(throws: ErrorInfo.self) { try await storage.store(batch: batch) }
        #expect(error?.type == .validation)
        #expect(error?.message.contains("record 2: field 'ts' is float, but column 'ts' holds integer values") == true, "\(error?.message ?? "")")
        #expect(try psqlValue(url, "SELECT count(*) FROM \(table)") == "0")
        // A string where a number belongs is said to be a string (not one PostgreSQL text could not hold).
        batch[2]["ts"] = 1
        batch[1]["value"] = "n/a"
        let string = await #expect(throws: ErrorInfo.self) { try await storage.store(batch: batch) }
        #expect(string?.message.contains("record 1: field 'value' is string, but column 'value' holds real values") == true,
            "\(string?.message ?? "")")
        batch[1]["value"] = 1.5
        batch[0]["unit"] = "a\u{0}b"
        let nul = await #expect(throws: ErrorInfo.self) { try await storage.store(batch: batch) }
        #expect(nul?.message.contains("record 0: field 'unit' is a string with a NUL character, but column 'unit' holds text values") == true,
            "\(nul?.message ?? "")")
    }

    @Test(arguments: [
        Column("x; DROP TABLE t", .text), Column("ok", .text, sqlType: "text); DROP TABLE t; --"), Column("a\"b", .integer),
        Column("location_id", .text),
    ])
    func badColumnsAreRejected(_ column: Column) async throws {
        let url = try PostgresTestEnvironment.url()
        let storage = try PostgresStorage(url: url, options: PostgresOptions(table: "never_created", layout: .columns([column])))
        await #expect(throws: ErrorInfo.self) { try await storage.connect() }
        #expect(try psqlValue(url, "SELECT count(*) FROM pg_tables WHERE tablename = 'never_created'") == "0")
    }
}
