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
        let a2 = decoder.decode(item("a", .csv, Array("x,y".utf8)))
        #expect(a1.records.map(\.value) == ["héllo"])
        #expect(b1.records.map(\.value) == [.bytes([0xFF, 0x00])], "invalid UTF-8 is kept as bytes")
        #expect(a2.records.map(\.value) == ["x,y"])
        #expect(a1.records.map(\.sequence) == [1])
        #expect(a2.records.map(\.sequence) == [2])
        #expect(b1.records.map(\.sequence) == [1])
        #expect(decoder.lastSequence(of: "a") == 2)
        #expect(decoder.lastSequence(of: "nobody") == 0)
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
