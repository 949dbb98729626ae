import CollectorPostgres
import CollectorStorage
import Collectors
import CollectorValues
import Testing

@Suite("PostgresStorage, document layout", .serialized, .enabled(if: !PostgresTestEnvironment.optedOut))
struct PostgresDocumentTests {
    func makeStorage(_ prefix: String = "doc", method: PostgresBatchMethod = .copy) async throws -> (PostgresStorage, String, String) {
        let url = try PostgresTestEnvironment.url()
        let table = PostgresTestEnvironment.uniqueTable(prefix)
        let storage = try PostgresStorage(id: "pg", url: url, options: PostgresOptions(table: table, batchMethod: method))
        try await storage.connect()
        return (storage, url, table)
    }

    @Test(arguments: PostgresBatchMethod.allCases)
    func storesQueriesAndDeletes(_ method: PostgresBatchMethod) async throws {
        let (storage, url, table) = try await makeStorage(method: method)
        let record: DataValue = ["a": 1, "f": 1.5, "n": nil, "e": [], "o": [:], "big": 9_007_199_254_740_993, "s": "ü"]
        let location = try await storage.store(record)
        #expect(location.backendID == "pg")
        #expect(!location.path.contains(try password(of: url)))
        let back = try await storage.query(QueryCriteria())
        #expect(back.count == 1)
        // jsonb keeps its own key order: compare field by field.
        let object = try #require(back.first?.objectValue)
        #expect(object.count == 7)
        for (key, value) in record.objectValue! { #expect(object[key]?.isIdentical(to: value) == true, "\(key)") }
        try await storage.delete(locationID: location.locationID)
        #expect(try psqlValue(url, "SELECT count(*) FROM \(table)") == "0")
        let error = await #expect(throws: ErrorInfo.self) { try await storage.delete(locationID: location.locationID) }
        #expect(error?.type == .notFound)
        let garbage = await #expect(throws: ErrorInfo.self) { try await storage.delete(locationID: "'; DROP TABLE x; --") }
        #expect(garbage?.type == .notFound)
    }

    /// `storedCount()` is `SELECT count(*)`: the rows are not read.
    @Test func countsWithoutReadingTheRows() async throws {
        let (storage, url, table) = try await makeStorage("count")
        #expect(try await storage.storedCount() == 0)
        _ = try await storage.store(batch: (0..<120).map { ["i": .integer(Int64($0))] })
        #expect(try await storage.storedCount() == 120)
        #expect(try psqlValue(url, "SELECT count(*) FROM \(table)") == "120")
        await storage.disconnect()
        let error = await #expect(throws: ErrorInfo.self) { _ = try await storage.storedCount() }
        #expect(error?.message.contains("not connected") == true, "\(String(describing: error?.message))")
    }

    @Test(arguments: PostgresBatchMethod.allCases)
    func integerAndFloatStayApart(_ method: PostgresBatchMethod) async throws {
        let (storage, _, _) = try await makeStorage(method: method)
        _ = try await storage.store(batch: [["v": 1], ["v": 1.0], ["v": 2.5]])
        let back = try await storage.query(QueryCriteria())
        #expect(back[0]["v"]?.isIdentical(to: .integer(1)) == true)
        #expect(back[1]["v"]?.isIdentical(to: .double(1)) == true)
    }

    @Test(arguments: PostgresBatchMethod.allCases)
    func filtersFollowTheEqualityRule(_ method: PostgresBatchMethod) async throws {
        let (storage, _, _) = try await makeStorage(method: method)
        _ = try await storage.store(batch: [
            ["k": 1, "v": 1], ["k": 2, "v": 1.0], ["k": 3, "v": "1"], ["k": 4, "v": true], ["k": 5, "v": nil], ["k": 6],
        ])
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

    @Test(arguments: PostgresBatchMethod.allCases)
    func sortsAndPages(_ method: PostgresBatchMethod) async throws {
        let (storage, _, _) = try await makeStorage(method: method)
        _ = try await storage.store(batch: (0..<10).map { ["i": .integer(Int64($0)), "g": .integer(Int64($0 % 3))] })
        let page = try await storage.query(QueryCriteria(sortBy: "g", sortDirection: .descending, limit: 3, offset: 1))
        #expect(page.map { $0["i"] } == [5, 8, 1])
        let ascending = try await storage.query(QueryCriteria(filters: ["g": 0], sortBy: "i", limit: 2))
        #expect(ascending.map { $0["i"] } == [0, 3])
    }

    @Test(arguments: PostgresBatchMethod.allCases)
    func sqlInFilterValuesIsJustAValue(_ method: PostgresBatchMethod) async throws {
        let (storage, url, table) = try await makeStorage(method: method)
        let hostile = "x' OR '1'='1'; DROP TABLE \(table); --"
        _ = try await storage.store(batch: [["name": "a"], ["name": .string(hostile)]])
        #expect(try await storage.query(QueryCriteria(filters: ["name": "x' OR '1'='1"])).isEmpty)
        #expect(try await storage.query(QueryCriteria(filters: ["name": .string(hostile)])) == [["name": .string(hostile)]])
        #expect(try psqlValue(url, "SELECT count(*) FROM \(table)") == "2")
    }

    /// `-` is allowed in field names (`sensor-id`), so `--` is too: as a bound
    /// parameter it is just two characters of a name.
    @Test(arguments: PostgresBatchMethod.allCases)
    func aFieldNamedWithDashesIsJustAName(_ method: PostgresBatchMethod) async throws {
        let (storage, url, table) = try await makeStorage(method: method)
        _ = try await storage.store(batch: [["a--": 1, "b": 1], ["a": 1, "b": 2]])
        #expect(try await storage.query(QueryCriteria(filters: ["a--": 1])).map { $0["b"] } == [1])
        #expect(try await storage.query(QueryCriteria(sortBy: "a--", sortDirection: .descending)).map { $0["b"] } == [1, 2])
        #expect(try psqlValue(url, "SELECT count(*) FROM \(table)") == "2")
    }

    @Test(arguments: ["a'b", "a\"b", "x; DROP TABLE t", "a -- x", "a.b", "$.x", "a') OR true --"])
    func hostileFieldNamesAreRejected(_ field: String) async throws {
        let (storage, _, _) = try await makeStorage()
        let error = await #expect(throws: ErrorInfo.self) {
            try await storage.query(QueryCriteria(filters: DataObject([(field, DataValue.string("v"))])))
        }
        #expect(error?.type == .validation)
        await #expect(throws: ErrorInfo.self) { try await storage.query(QueryCriteria(sortBy: field)) }
    }

    @Test(arguments: ["records; DROP TABLE x", "t\"", "a b", "t--", "", "pg_class'"])
    func hostileTableNamesAreRejected(_ table: String) async throws {
        let storage = try PostgresStorage(url: try PostgresTestEnvironment.url(), options: PostgresOptions(table: table))
        let error = await #expect(throws: ErrorInfo.self) { try await storage.connect() }
        #expect(error?.type == .validation)
    }

    @Test(arguments: PostgresBatchMethod.allCases)
    func aBatchOfTenThousandInOneTransaction(_ method: PostgresBatchMethod) async throws {
        let (storage, url, table) = try await makeStorage("big", method: method)
        var records = (0..<10_000).map { DataValue.object(["i": .integer(Int64($0)), "s": "row"]) }
        let stored = try await storage.store(batch: records)
        #expect(stored.count == 10_000)
        #expect(try psqlValue(url, "SELECT count(*) FROM \(table)") == "10000")
        #expect(try psqlValue(url, "SELECT count(DISTINCT location_id) FROM \(table)") == "10000")
        // jsonb refuses a NUL character; the record at the end fails, and the batch with it.
        records[9_999] = ["i": 9_999, "s": "nul\u{0}"]
        let error = await #expect(throws: ErrorInfo.self) { try await storage.store(batch: records) }
        #expect(error?.type == .validation)
        #expect(try psqlValue(url, "SELECT count(*) FROM \(table)") == "10000")
    }

    @Test func readsTheURLFromDATABASE_URL() async throws {
        let url = try PostgresTestEnvironment.url()
        let storage = try PostgresStorage(id: "env", environment: ["DATABASE_URL": url])
        try await storage.connect()
        #expect(storage.redactedURL.hasPrefix("postgresql://collector@127.0.0.1:"))
        let missing = #expect(throws: ErrorInfo.self) { try PostgresStorage(environment: [:]) }
        #expect(missing?.type == .configuration)
    }
}
