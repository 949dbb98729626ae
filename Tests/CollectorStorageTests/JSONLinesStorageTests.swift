import CollectorStorage
import Collectors
import CollectorValues
import Foundation
import Testing

@Suite("JSONLinesStorage")
struct JSONLinesStorageTests {
    let record: DataValue = [
        "sensor_id": "s-0593", "value": 20.73, "unit": "RH", "ts": 1_764_288_000_009, "site": "plant-8",
        "tags": ["line": "c", "shift": 1],
    ]

    func contents(_ path: String) throws -> String {
        String(decoding: try Data(contentsOf: URL(fileURLWithPath: path)), as: UTF8.self)
    }

    @Test func appendsCompactLines() async throws {
        let dir = try TemporaryDirectory()
        let storage = JSONLinesStorage(id: "out", path: dir.file("out.jsonl"))
        try await storage.connect()
        let location = try await storage.store(record)
        #expect(location.locationID == "out.jsonl:0")
        _ = try await storage.store(batch: [["a": 1.0, "b": nil, "c": []], ["n": -9_007_199_254_740_993]])
        let line = #"{"sensor_id":"s-0593","value":20.73,"unit":"RH","ts":1764288000009,"site":"plant-8","tags":{"line":"c","shift":1}}"#
        #expect(try contents(dir.file("out.jsonl")) == line + "\n" + #"{"a":1.0,"b":null,"c":[]}"# + "\n" + #"{"n":-9007199254740993}"# + "\n")
    }

    @Test func recordsCarriedAsTextAreWrittenAsTheirValuesAre() async throws {
        let dir = try TemporaryDirectory()
        let values: [DataValue] = [record, ["a": 1.0, "b": nil, "c": []]]
        let asValues = values.enumerated().map { Record($0.element, sourceID: "s", sequence: UInt64($0.offset + 1)) }
        let asText = try asValues.map { $0.with(jsonText: try JSONWriter().bytes($0.value)[...]) }
        let byValue = JSONLinesStorage(id: "v", path: dir.file("v.jsonl"))
        let byText = JSONLinesStorage(id: "t", path: dir.file("t.jsonl"))
        try await byValue.connect()
        try await byText.connect()
        _ = try await byValue.store(records: asValues)
        _ = try await byText.store(records: [asText[0], asValues[1]])  // text and values mixed
        #expect(try contents(dir.file("t.jsonl")) == contents(dir.file("v.jsonl")))
        #expect(try await byText.query(QueryCriteria()) == values)
        // A value without JSON form still fails the batch, naming the record.
        let error = await #expect(throws: ErrorInfo.self) {
            try await byText.store(records: [asText[0], Record(["x": .double(.nan)], sourceID: "s", sequence: 3)])
        }
        #expect(error?.message.contains("record 1 of the batch cannot be written as JSON") == true)
    }

    @Test func queriesReadTheFileBackTypeFaithfully() async throws {
        let dir = try TemporaryDirectory()
        let storage = JSONLinesStorage(path: dir.file("q.jsonl"), options: JSONLinesOptions(sync: .never))
        try await storage.connect()
        let records: [DataValue] = [["k": 1, "v": 1.0], ["k": 2, "v": "1"], ["k": 3, "v": 1]]
        _ = try await storage.store(batch: records)
        #expect(try await storage.query(QueryCriteria()) == records)
        let numbers = try await storage.query(QueryCriteria(filters: ["v": 1], sortBy: "k", sortDirection: .descending))
        #expect(numbers.map { $0["k"] } == [3, 1])
        // A new instance reads what the first one wrote.
        await storage.disconnect()
        let again = JSONLinesStorage(path: dir.file("q.jsonl"))
        try await again.connect()
        #expect(try await again.query(QueryCriteria(limit: 1, offset: 2)) == [records[2]])
    }

    @Test func rotatesBySizeAndQueriesAcrossFiles() async throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("r.jsonl")
        let storage = JSONLinesStorage(path: path, options: JSONLinesOptions(sync: .everyRecord, maxFileSize: 40))
        try await storage.connect()
        for i in 0..<6 {
            _ = try await storage.store(["i": .integer(Int64(i)), "pad": "xxxxxxxxxxxxxxxx"])  // 34 bytes a line
        }
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
        #expect(files == ["r.1.jsonl", "r.2.jsonl", "r.3.jsonl", "r.4.jsonl", "r.5.jsonl", "r.jsonl"])
        #expect(try contents(dir.file("r.5.jsonl")).hasPrefix(#"{"i":0,"#))
        #expect(try contents(path).hasPrefix(#"{"i":5,"#))
        let all = try await storage.query(QueryCriteria())
        #expect(all.map { $0["i"] } == [0, 1, 2, 3, 4, 5])
    }

    @Test func keepsAtMostMaxRotatedFiles() async throws {
        let dir = try TemporaryDirectory()
        let storage = JSONLinesStorage(path: dir.file("k.jsonl"), options: JSONLinesOptions(maxFileSize: 10, maxRotatedFiles: 2))
        try await storage.connect()
        for i in 0..<5 { _ = try await storage.store(["i": .integer(Int64(i)), "pad": "0123456789"]) }
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
        #expect(files == ["k.1.jsonl", "k.2.jsonl", "k.jsonl"])
        #expect(try await storage.query(QueryCriteria()).map { $0["i"] } == [2, 3, 4])
    }

    @Test func deleteIsRefusedBecauseTheFileIsAppendOnly() async throws {
        let dir = try TemporaryDirectory()
        let storage = JSONLinesStorage(path: dir.file("d.jsonl"))
        try await storage.connect()
        let location = try await storage.store(record)
        let error = await #expect(throws: ErrorInfo.self) { try await storage.delete(locationID: location.locationID) }
        #expect(error?.type == .storage)
        #expect(error?.message.contains("append-only") == true)
        #expect(try await storage.query(QueryCriteria()).count == 1)
    }

    @Test func aDirectoryOrMissingFolderFailsToConnect() async throws {
        let dir = try TemporaryDirectory()
        let onDirectory = JSONLinesStorage(path: dir.path)
        let error = await #expect(throws: ErrorInfo.self) { try await onDirectory.connect() }
        #expect(error?.message.contains(dir.path) == true)
        let missing = JSONLinesStorage(path: dir.file("no/such/folder/x.jsonl"))
        await #expect(throws: ErrorInfo.self) { try await missing.connect() }
    }

    @Test func storeAfterDisconnectFails() async throws {
        let dir = try TemporaryDirectory()
        let storage = JSONLinesStorage(path: dir.file("x.jsonl"))
        try await storage.connect()
        await storage.disconnect()
        let error = await #expect(throws: ErrorInfo.self) { try await storage.store(record) }
        #expect(error?.type == .connection)
        #expect(error?.message.contains("not connected") == true)
    }

    @Test func aCorruptLineIsAnErrorNamingFileAndLine() async throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("c.jsonl")
        try Data("{\"a\":1}\n{\"a\":\n".utf8).write(to: URL(fileURLWithPath: path))
        let storage = JSONLinesStorage(path: path)
        try await storage.connect()
        let error = await #expect(throws: ErrorInfo.self) { try await storage.query(QueryCriteria()) }
        #expect(error?.message.contains("line 2") == true)
        #expect(error?.message.contains(path) == true)
    }
}
