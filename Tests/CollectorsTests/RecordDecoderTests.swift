import CollectorValues
import Collectors
import Testing

@Suite("RecordDecoder")
struct RecordDecoderTests {
    func item(_ source: String, _ format: DataFormat, _ payload: [UInt8]) -> CollectedData {
        CollectedData(sourceID: source, format: format, method: .mock, payload: payload)
    }

    @Test func textAndBytesBecomeOneRecordNumberedPerSource() {
        var decoder = RecordDecoder()
        let a1 = decoder.decode(item("a", .text, Array("héllo".utf8)))
        let b1 = decoder.decode(item("b", .binary, [0xFF, 0x00]))
        let a2 = decoder.decode(item("a", .text, Array("x,y".utf8)))
        #expect(a1.records.map(\.value) == ["héllo"])
        #expect(b1.records.map(\.value) == [.bytes([0xFF, 0x00])], "invalid UTF-8 is kept as bytes")
        #expect(a2.records.map(\.value) == ["x,y"])
        #expect(a1.records.map(\.sequence) == [1])
        #expect(a2.records.map(\.sequence) == [2])
        #expect(b1.records.map(\.sequence) == [1])
        #expect(decoder.lastSequence(of: "a") == 2)
        #expect(decoder.lastSequence(of: "nobody") == 0)
    }

    /// JSON lines handed on undecoded (`documents`) are numbered per source,
    /// on from the source's earlier items whatever their kind, and an item of
    /// blank lines takes no number.
    @Test func documentsAreNumberedOnPerSourceAcrossItems() {
        var decoder = RecordDecoder()
        let a1 = decoder.documents(item("a", .jsonLines, Array("{\"n\":1}\n{\"n\":2}\n".utf8))) ?? []
        let b1 = decoder.documents(item("b", .jsonLines, Array("{}\n\n{}\n{}".utf8))) ?? []
        _ = decoder.decode(item("a", .text, Array("plain".utf8)))
        let blank = decoder.documents(item("a", .jsonLines, Array("\n\n".utf8))) ?? []
        let a2 = decoder.documents(item("a", .jsonLines, Array("{\"n\":4}\n{\"n\":5}".utf8))) ?? []
        #expect(a1.map(\.sequence) == [1, 2])
        #expect(b1.map(\.sequence) == [1, 2, 3])
        #expect(blank.isEmpty)
        #expect(a2.map(\.sequence) == [4, 5])
        #expect(a2.map { Array($0.bytes) } == [Array("{\"n\":4}".utf8), Array("{\"n\":5}".utf8)])
        #expect(decoder.lastSequence(of: "a") == 5)
        #expect(decoder.lastSequence(of: "b") == 3)
    }
}

@Suite("RecordDecoder JSON")
struct RecordDecoderJSONTests {
    func item(_ format: DataFormat, _ text: String) -> CollectedData {
        CollectedData(sourceID: "api", format: format, method: .mock, payload: Array(text.utf8))
    }

    @Test func aJSONDocumentIsOneTypeFaithfulRecord() {
        var decoder = RecordDecoder()
        let (records, failures) = decoder.decode(item(.json, #"{"id": 1, "v": 1.0, "n": null, "tags": []}"#))
        #expect(failures.isEmpty)
        #expect(records.count == 1)
        let value = records[0].value
        #expect(value["id"] == .integer(1))
        #expect(value["v"] == .double(1.0), "1.0 stays a float")
        #expect(value["n"] == .null)
        #expect(value["tags"] == .array([]))
        #expect(value.objectValue?.fieldNames == ["id", "v", "n", "tags"])
    }

    @Test func jsonLinesGiveOneRecordPerLineAndBadLinesFailAlone() {
        var decoder = RecordDecoder()
        let text = "{\"n\":1}\r\n\n  \n{\"n\":2}\n{oops}\n{\"n\":3}\n"
        let (records, failures) = decoder.decode(item(.jsonLines, text))
        #expect(records.map { $0.value["n"] } == [1, 2, 3])
        #expect(records.map(\.sequence) == [1, 2, 4])
        #expect(failures.count == 1)
        #expect(failures.first?.record.sequence == 3)
        #expect(failures.first?.record.value == "{oops}", "the raw line is kept for the dead letter")
        #expect(failures.first?.error.type == .validation)
        #expect(failures.first?.error.details["source_id"] == "api")
        #expect(failures.first?.error.details["offset"] != nil)
    }
}

/// Decoding failures say where the document is in its source: the file's
/// line when the source numbers lines, else the byte offset it gives.
@Suite("RecordDecoder: where a failure is")
struct RecordDecoderLocationTests {
    static let payload = Array("{\"a\":1}\n\n{\"b\":2}\n[1,]\n".utf8)

    @Test func linesCountFromTheItemsFirstLineBlankOnesIncluded() throws {
        var decoder = RecordDecoder()
        let item = CollectedData(
            sourceID: "f", format: .jsonLines, method: .file, payload: Self.payload, metadata: ["line": 10, "offset": 500])
        let (records, failures) = decoder.decode(item)
        #expect(records.count == 2)
        let failure = try #require(failures.first)
        #expect(failure.error.details["line"] == 13)
        #expect(failure.error.details["column"] == 3)
        #expect(failure.error.message == "unexpected character ',' at line 13, column 3: trailing comma in array")
        #expect(failure.record.sequence == 3)

        let found = decoder.documents(item)
        let documents = try #require(found)
        #expect(documents.map(\.line) == [10, 12, 13])
    }

    @Test func withoutLineNumbersTheSourcesOffsetIsUsed() throws {
        var decoder = RecordDecoder()
        let item = CollectedData(sourceID: "f", format: .jsonLines, method: .fileTail, payload: Self.payload, metadata: ["offset": 500])
        let decoded = decoder.decode(item)
        let failure = try #require(decoded.failures.first)
        // The bad line starts at byte 17 of the payload; its comma is 2 bytes further.
        #expect(failure.error.details["file_offset"] == 519)
        #expect(failure.error.message.hasSuffix("(byte 519 of the source)"), "\(failure.error.message)")
        let found = decoder.documents(item)
        let documents = try #require(found)
        #expect(documents.map(\.offset) == [500, 509, 517])
        // A failure reported by a processor that decoded the document itself, located the same way.
        let reported = try #require(throws: JSONError.self) { try JSONReader().read(documents[2].bytes) }
        #expect(documents[2].locating(ErrorInfo.decoding(reported)).details["file_offset"] == 519)
    }
}
