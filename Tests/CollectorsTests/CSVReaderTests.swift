import CollectorValues
import Collectors
import Testing

@Suite("CSV reader")
struct CSVReaderTests {
    private func read(_ text: String, _ options: CSVOptions = CSVOptions()) -> [CSVReader.Row] {
        var reader = CSVReader(options)
        return reader.rows(of: Array(text.utf8)[...])
    }

    private func records(_ rows: [CSVReader.Row]) -> [DataObject] {
        rows.compactMap { if case .record(let object, _) = $0 { object } else { nil } }
    }

    private func bad(_ rows: [CSVReader.Row]) -> [(String, Int)] {
        rows.compactMap { if case .bad(let reason, let line, _) = $0 { (reason, line) } else { nil } }
    }

    @Test func theHeaderNamesTheColumnsInOrder() {
        let rows = read("id,name\n1,ann\n2,bob\n")
        #expect(records(rows) == [["id": "1", "name": "ann"], ["id": "2", "name": "bob"]])
        #expect(records(rows).first?.fieldNames == ["id", "name"])
    }

    @Test func quotedFieldsHoldDelimitersDoubledQuotesAndLineEnds() {
        let rows = read("a,b,c\n\"x, y\",\"say \"\"hi\"\"\",\"two\nlines\"\n\"\",,\"\"\"\"\r\n")
        #expect(bad(rows).isEmpty)
        #expect(records(rows) == [
            ["a": "x, y", "b": "say \"hi\"", "c": "two\nlines"],
            ["a": "", "b": "", "c": "\""],
        ])
        guard case .record(_, let line)? = rows.last else { Issue.record("no record"); return }
        #expect(line == 4, "a row is numbered by the line it starts on")
    }

    @Test func givenColumnsReadTheFirstRowAsData() {
        let rows = read("1;ann\n2;bob", CSVOptions(delimiter: UInt8(ascii: ";"), columns: ["id", "name"]))
        #expect(records(rows) == [["id": "1", "name": "ann"], ["id": "2", "name": "bob"]])
    }

    @Test func typingIsOffByDefaultAndTypesOnlyUnquotedFields() {
        let text = "i,f,b,e,z,q,s,big\n42,-1.5e3,true,,007,\"12\",12a,99999999999999999999\n"
        #expect(records(read(text)).first?["i"] == "42")
        let typed = records(read(text, CSVOptions(types: true))).first
        #expect(typed?["i"] == .integer(42))
        #expect(typed?["f"] == .double(-1500))
        #expect(typed?["b"] == .bool(true))
        #expect(typed?["e"] == .null)
        #expect(typed?["z"] == "007", "leading zeros keep an identifier as text")
        #expect(typed?["q"] == "12", "a quoted field stays a string")
        #expect(typed?["s"] == "12a")
        #expect(typed?["big"] == .double(1e20) || typed?["big"] == "99999999999999999999")
    }

    @Test func aBadRowIsReportedWithItsLineAndTheRestIsRead() {
        let rows = read("a,b\n1,2\n1,2,3\n\"x\"y,2\n3\n4,5\n")
        #expect(records(rows) == [["a": "1", "b": "2"], ["a": "4", "b": "5"]])
        let failures = bad(rows)
        #expect(failures.map(\.1) == [3, 4, 5])
        #expect(failures[0].0 == "CSV line 3: 3 fields where there are 2 columns (a, b)")
        #expect(failures[1].0.contains("text after the closing quote of field 1"))
        #expect(failures[2].0.contains("1 field where there are 2 columns"))
    }

    @Test func aQuoteNeverClosedIsABadRowAtTheEnd() {
        let rows = read("a,b\n1,2\n3,\"open\n4,5\n")
        #expect(records(rows) == [["a": "1", "b": "2"]])
        let failures = bad(rows)
        #expect(failures.count == 1)
        #expect(failures.first?.1 == 3)
        #expect(failures.first?.0.contains("not closed before the end of the input") == true)
        guard case .bad(_, _, let text)? = rows.last else { return }
        #expect(String(decoding: text, as: UTF8.self) == "3,\"open\n4,5", "the failed row keeps its text")
    }

    @Test func aQuoteOpenTooLongFailsAndReadingResumes() {
        let long = String(repeating: "x", count: CSVReader.maxRowBytes / 2)
        let rows = read("a\n\"\(long)\n\(long)\nok\n")
        #expect(bad(rows).map(\.1) == [2])
        #expect(bad(rows).first?.0.contains("is not closed within") == true)
        #expect(records(rows).map { $0["a"] } == ["ok"])
    }

    @Test func emptyAndRepeatedHeaderNamesStayDistinct() {
        let rows = read("a,,a\n1,2,3\n")
        #expect(records(rows) == [["a": "1", "column_2": "2", "a_2": "3"]])
    }
}

@Suite("RecordDecoder CSV and split")
struct RecordDecoderCSVTests {
    private func item(_ format: DataFormat, _ text: String, line: Int? = nil, source: String = "s") -> CollectedData {
        var metadata = DataObject()
        if let line { metadata["line"] = .integer(Int64(line)) }
        return CollectedData(sourceID: source, format: format, method: .mock, payload: Array(text.utf8), metadata: metadata)
    }

    private var streamed: DataFormat {
        var format = DataFormat.csv
        format.csv = CSVOptions(streamed: true)
        return format
    }

    @Test func aStreamReadsItsHeaderOnceAndJoinsAQuotedFieldAcrossLines() {
        var decoder = RecordDecoder()
        let lines = ["id,note", "1,\"first", "second\"", "2,plain", "3,x,y"]
        var records: [Record] = []
        var failures: [RecordDecoder.Failure] = []
        for (index, line) in lines.enumerated() {
            let (r, f) = decoder.decode(item(streamed, line, line: index + 1))
            records += r
            failures += f
        }
        #expect(records.map(\.value) == [["id": "1", "note": "first\nsecond"], ["id": "2", "note": "plain"]])
        #expect(failures.map { $0.error.details["line"] } == [.integer(5)])
        #expect(records.map(\.sequence) + failures.map(\.record.sequence) == [1, 2, 3])
    }

    @Test func aQuoteOpenWhenTheStreamEndsIsAFailedRecord() {
        var decoder = RecordDecoder()
        _ = decoder.decode(item(streamed, "a", line: 1))
        let (records, failures) = decoder.decode(item(streamed, "\"never closed", line: 2))
        #expect(records.isEmpty && failures.isEmpty)
        let left = decoder.finish()
        #expect(left.count == 1)
        #expect(left.first?.error.message.contains("CSV line 2") == true)
        #expect(left.first?.record.value == "\"never closed")
        #expect(decoder.finish().isEmpty, "reported once")
    }

    @Test func eachWholeDocumentHasItsOwnHeader() {
        var decoder = RecordDecoder()
        let first = decoder.decode(item(.csv, "a\n1\n"))
        let second = decoder.decode(item(.csv, "b\n2\n"))
        #expect(first.records.map(\.value) == [["a": "1"]])
        #expect(second.records.map(\.value) == [["b": "2"]])
    }

    private func split(_ path: String) -> DataFormat {
        var format = DataFormat.json
        format.split = JSONSplit(dotted: path)
        return format
    }

    @Test func aSplitPayloadIsOneRecordPerElement() {
        var decoder = RecordDecoder()
        #expect(decoder.documents(item(split("data.items"), "{}")) == nil, "split JSON is decoded into records")
        let (records, failures) = decoder.decode(item(split("data.items"), #"{"data":{"items":[{"n":1},2,"three"]}}"#))
        #expect(failures.isEmpty)
        #expect(records.map(\.value) == [["n": 1], 2, "three"])
        #expect(records.map(\.sequence) == [1, 2, 3])
        #expect(Set(records.map(\.id)).count == 3)
        let top = decoder.decode(item(split(""), "[1,2]"))
        #expect(top.records.map(\.value) == [1, 2])
        #expect(decoder.decode(item(split(""), "[]")).records.isEmpty)
    }

    @Test func aMissingOrWrongSplitPathIsAFailureNamingIt() {
        var decoder = RecordDecoder()
        let missing = decoder.decode(item(split("data.items"), #"{"data":{}}"#))
        #expect(missing.records.isEmpty)
        #expect(missing.failures.first?.error.message == "split path 'data.items': the payload has no 'data.items'")
        let notArray = decoder.decode(item(split("data"), #"{"data":{"items":[]}}"#))
        #expect(notArray.failures.first?.error.message == "split path 'data' is an object, not an array")
        let through = decoder.decode(item(split("data.items"), #"{"data":[1]}"#))
        #expect(through.failures.first?.error.message == "split path 'data.items': 'data' is an array, not an object")
        let topLevel = decoder.decode(item(split(""), #"{"a":1}"#))
        #expect(topLevel.failures.first?.error.message == "split path '(top level)' is an object, not an array")
        let broken = decoder.decode(item(split("a"), #"{"a":"#))
        #expect(broken.failures.count == 1, "a payload that is not JSON fails as it does unsplit")
        #expect(missing.failures.first?.record.value == #"{"data":{}}"#, "the failed record keeps the payload")
    }
}
