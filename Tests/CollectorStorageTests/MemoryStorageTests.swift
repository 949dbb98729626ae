import CollectorStorage
import Collectors
import CollectorValues
import Testing

@Suite("MemoryStorage")
struct MemoryStorageTests {
    let readings: [DataValue] = [
        ["sensor_id": "s-1", "value": 20.5, "unit": "C", "ts": 3],
        ["sensor_id": "s-2", "value": 1, "unit": "F", "ts": 1],
        ["sensor_id": "s-3", "value": "1", "unit": "F", "ts": 2],
        ["sensor_id": "s-4", "value": 1.0, "unit": nil, "ts": 4],
        ["sensor_id": "s-5", "unit": "F", "ts": 5],
    ]

    @Test func storesQueriesAndDeletes() async throws {
        let storage = MemoryStorage(id: "mem")
        let location = try await storage.store(["a": 1])
        #expect(location.backendID == "mem")
        #expect(location.locationID == "1")
        let batch = try await storage.store(batch: readings)
        #expect(batch.count == 5)
        #expect(await storage.count == 6)
        try await storage.delete(locationID: location.locationID)
        #expect(try await storage.query(QueryCriteria()) == readings)
    }

    @Test func numbersEqualNumbersButNotStrings() async throws {
        let storage = MemoryStorage()
        _ = try await storage.store(batch: readings)
        let ones = try await storage.query(QueryCriteria(filters: ["value": 1]))
        #expect(ones.map { $0["sensor_id"] } == ["s-2", "s-4"])
        let oneFloat = try await storage.query(QueryCriteria(filters: ["value": 1.0]))
        #expect(oneFloat.map { $0["sensor_id"] } == ["s-2", "s-4"])
        let oneString = try await storage.query(QueryCriteria(filters: ["value": "1"]))
        #expect(oneString.map { $0["sensor_id"] } == ["s-3"])
    }

    @Test func nullMatchesNullButNotMissing() async throws {
        let storage = MemoryStorage()
        _ = try await storage.store(batch: readings + [["sensor_id": "s-6"]])
        let nullUnit = try await storage.query(QueryCriteria(filters: ["unit": nil]))
        #expect(nullUnit.map { $0["sensor_id"] } == ["s-4"])
    }

    @Test func sortsStablyThenPages() async throws {
        let storage = MemoryStorage()
        _ = try await storage.store(batch: readings)
        let byUnit = try await storage.query(QueryCriteria(sortBy: "unit"))
        // null first, then "C", then the three "F" in stored order.
        #expect(byUnit.map { $0["sensor_id"] } == ["s-4", "s-1", "s-2", "s-3", "s-5"])
        let byTsDown = try await storage.query(QueryCriteria(sortBy: "ts", sortDirection: .descending, limit: 2, offset: 1))
        #expect(byTsDown.map { $0["ts"] } == [4, 3])
        let pastTheEnd = try await storage.query(QueryCriteria(limit: 10, offset: 50))
        #expect(pastTheEnd.isEmpty)
        // A limit as large as an Int holds is "all the rest", not an overflow.
        let theRest = try await storage.query(QueryCriteria(limit: .max, offset: 3))
        #expect(theRest.map { $0["sensor_id"] } == ["s-4", "s-5"])
    }

    @Test func unknownLocationIsNotFound() async throws {
        let storage = MemoryStorage()
        let error = await #expect(throws: ErrorInfo.self) { try await storage.delete(locationID: "42") }
        #expect(error?.type == .notFound)
        #expect(error?.layer == .storage)
    }

    @Test func callsAfterDisconnectFailUntilConnect() async throws {
        let storage = MemoryStorage()
        _ = try await storage.store(["a": 1])
        await storage.disconnect()
        let error = await #expect(throws: ErrorInfo.self) { try await storage.store(["a": 2]) }
        #expect(error?.type == .connection)
        #expect(error?.message.contains("not connected") == true)
        try await storage.connect()
        #expect(try await storage.query(QueryCriteria()) == [["a": 1]])
    }

    @Test(arguments: ["a'b", "x; DROP TABLE t", "a;--", "a.b", "$.a", "", "a b", "1a"])
    func rejectsHostileFieldNames(_ field: String) async throws {
        let storage = MemoryStorage()
        let error = await #expect(throws: ErrorInfo.self) {
            try await storage.query(QueryCriteria(filters: DataObject([(field, DataValue.integer(1))])))
        }
        #expect(error?.type == .validation)
        let sortError = await #expect(throws: ErrorInfo.self) { try await storage.query(QueryCriteria(sortBy: field)) }
        #expect(sortError?.type == .validation)
    }

    @Test func rejectsObjectFiltersAndNegativePaging() async throws {
        let storage = MemoryStorage()
        await #expect(throws: ErrorInfo.self) { try await storage.query(QueryCriteria(filters: ["tags": ["line": "c"]])) }
        await #expect(throws: ErrorInfo.self) { try await storage.query(QueryCriteria(limit: -1)) }
        await #expect(throws: ErrorInfo.self) { try await storage.query(QueryCriteria(offset: -1)) }
    }
}
