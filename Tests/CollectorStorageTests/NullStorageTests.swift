import CollectorStorage
import CollectorValues
import Collectors
import Testing

@Suite("Null storage")
struct NullStorageTests {
    @Test func recordsAsTextAndAsValuesCountTheSameBytes() async throws {
        let values: [DataValue] = [["a": 1, "s": "x\"y"], ["list": [1.5, nil]], [:]]
        let byValue = NullStorage(id: "v")
        let byText = NullStorage(id: "t")
        let records = values.enumerated().map { Record($0.element, sourceID: "s", sequence: UInt64($0.offset + 1)) }
        let texts = try records.map { $0.with(jsonText: try JSONWriter().bytes($0.value)[...]) }
        _ = try await byValue.store(records: records)
        // Text and value records may come mixed in one batch.
        let stored = try await byText.store(records: [texts[0], records[1], texts[2]])
        #expect(stored.count == 3)
        #expect(await byText.count == 3)
        #expect(await byText.encodedBytes == byValue.encodedBytes)
        #expect(await byValue.encodedBytes == values.map { try! JSONWriter().bytes($0).count }.reduce(0, +))
    }

    @Test func aValueWithoutJSONFormIsRefused() async throws {
        let storage = NullStorage()
        let error = await #expect(throws: ErrorInfo.self) {
            try await storage.store(records: [Record(["x": .double(.nan)], sourceID: "s", sequence: 1)])
        }
        #expect(error?.message.contains("cannot be encoded as JSON") == true, "\(error?.message ?? "")")
        #expect(await storage.count == 0)
    }

    @Test func aDisconnectedBackendRefusesRecords() async throws {
        let storage = NullStorage()
        await storage.disconnect()
        await #expect(throws: ErrorInfo.self) {
            try await storage.store(records: [Record(["a": 1], sourceID: "s", sequence: 1)])
        }
    }
}
