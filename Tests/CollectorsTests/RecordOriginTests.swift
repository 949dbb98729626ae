import CollectorValues
import CollectorMocks
import Collectors
import Testing

/// The decoder keeps an item's metadata once, for all its records, and
/// gives each record its own line and offset within the item.
@Suite("RecordOrigin")
struct RecordOriginTests {
    static let lines = "{\"n\":1}\n\n{\"n\":2}\r\n{\"n\":3}\n"

    func item(_ format: DataFormat, _ text: String, metadata: DataObject) -> CollectedData {
        CollectedData(sourceID: "f", format: format, method: .file, payload: Array(text.utf8), metadata: metadata)
    }

    @Test func recordsOfOneItemShareItsMetadataWithTheirOwnLines() throws {
        var decoder = RecordDecoder()
        let metadata: DataObject = ["path": "a.jsonl", "line": 10, "offset": 500, "topic": "t"]
        let records = decoder.decode(item(.jsonLines, Self.lines, metadata: metadata)).records
        try #require(records.count == 3)
        let origins = records.compactMap(\.origin)
        try #require(origins.count == 3)
        #expect(origins.allSatisfy { $0.item === origins[0].item }, "one ItemMetadata per item, not a copy per record")
        #expect(origins.map { $0["line"] } == [10, 12, 13])
        #expect(origins.map { $0["offset"] } == [500, 509, 518])
        #expect(origins.map { $0["path"] } == ["a.jsonl", "a.jsonl", "a.jsonl"])
        #expect(origins[2].values == ["path": "a.jsonl", "line": 13, "offset": 518, "topic": "t"])
        // A record a processor makes from one keeps its origin.
        #expect(records[1].with(value: ["x": 1]).origin?["line"] == 12)
    }

    @Test func documentsLeftUndecodedCarryTheSameOrigin() throws {
        var decoder = RecordDecoder()
        let decoded = decoder.documents(item(.jsonLines, Self.lines, metadata: ["offset": 100]))
        let documents = try #require(decoded)
        #expect(documents.map { $0.origin?["offset"] } == [100, 109, 118])
        #expect(documents.map { $0.origin?["line"] ?? nil } == [nil, nil, nil])
        #expect(documents[0].origin?.item === documents[2].origin?.item)
        #expect(documents[1].record(holding: .null).origin?["offset"] == 109)
    }

    @Test func csvRowsHaveTheirLines() throws {
        var decoder = RecordDecoder()
        let records = decoder.decode(item(.csv, "a,b\n1,2\n\"x\ny\",3\n4,5\n", metadata: ["path": "t.csv", "line": 1])).records
        #expect(records.map { $0.origin?["line"] } == [2, 3, 5])
    }

    @Test func anItemWithoutMetadataGivesRecordsWithoutOrigin() {
        var decoder = RecordDecoder()
        let records = decoder.decode(item(.jsonLines, Self.lines, metadata: [:])).records
        #expect(records.count == 3)
        #expect(records.allSatisfy { $0.origin == nil })
    }
}

@Suite("RecordOrigin kept only when read")
struct RecordOriginKeptTests {
    @Test func aDecoderThatKeepsNoOriginsGivesNone() throws {
        var decoder = RecordDecoder()
        decoder.keepsOrigins = false
        let item = CollectedData(
            sourceID: "f", format: .jsonLines, method: .file, payload: Array("{\"n\":1}\n".utf8), metadata: ["path": "a", "line": 1])
        #expect(decoder.decode(item).records.first?.origin == nil)
        let decoded = decoder.documents(item)
        let documents = try #require(decoded)
        #expect(documents.first?.origin == nil)
        decoder.keepsOrigins = true
        #expect(decoder.decode(item).records.first?.origin?["path"] == "a")
    }

    @Test func aProcessingManagerReadsOriginsWhenOneOfItsProcessorsDoes() async {
        final class Reader: Processor, Sendable {
            let name = "reader"
            var readsOrigin: Bool { true }
            func process(_ record: Record) async throws -> ProcessingResult { .success(record) }
        }
        #expect(await ProcessingManager(processors: [MockProcessor(name: "a")]).readsOrigins == false)
        #expect(await ProcessingManager(processors: [MockProcessor(name: "a"), Reader()]).readsOrigins == true)
    }
}
