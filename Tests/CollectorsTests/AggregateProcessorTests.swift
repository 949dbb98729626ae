import CollectorValues
import Collectors
import Testing

@Suite("Aggregate processor")
struct AggregateProcessorTests {
    @Test func countsValuesAndKeepsStatisticsInRecordOrder() async {
        let aggregate = AggregateProcessor(name: "tally", countValues: ["severity", "ok"], statistics: ["value"])
        let input: [DataValue] = [
            ["severity": "high", "value": 0.1, "ok": true],
            ["severity": "normal", "value": 2, "ok": false],
            ["severity": "high", "value": "n/a"],
            ["value": 0.2],
            "not an object",
        ]
        let results = await aggregate.process(batch: input.enumerated().map {
            Record($0.element, sourceID: "s", sequence: UInt64($0.offset + 1))
        })
        // Records pass through unchanged.
        #expect(results.map { $0.records.map(\.value) } == input.map { [$0] })
        let result = aggregate.result
        #expect(result.records == 5)
        #expect(result.counts["severity"] == ["high": 2, "normal": 1])
        #expect(result.counts["ok"] == ["true": 1, "false": 1])
        let value = result.statistics["value"]
        #expect(value?.count == 3)
        #expect(value?.sum == 0.1 + 2 + 0.2)  // the order records came in
        #expect(value?.minimum == 0.1 && value?.maximum == 2)
        #expect(value?.nonNumeric == 1)
    }

    @Test func recordsCarriedAsTextAreTalliedAsTheirValuesAre() async throws {
        let input: [DataValue] = [
            ["severity": "high", "value": 0.1, "tags": ["severity": "nested"]],
            ["severity": "normal", "value": 2, "ok": false],
            ["value": "n/a", "severity": ["not": "a string"]],
            [:],
        ]
        let byValue = AggregateProcessor(name: "v", countValues: ["severity", "ok"], statistics: ["value", "severity"])
        let byText = AggregateProcessor(name: "t", countValues: ["severity", "ok"], statistics: ["value", "severity"])
        let records = input.enumerated().map { Record($0.element, sourceID: "s", sequence: UInt64($0.offset + 1)) }
        let texts = try records.map { $0.with(jsonText: try JSONWriter().bytes($0.value)[...]) }
        _ = await byValue.process(batch: records)
        let passed = await byText.process(batch: texts)
        #expect(byText.result == byValue.result)
        #expect(byText.result.counts["severity"] == ["high": 1, "normal": 1, #"{"not":"a string"}"#: 1])
        // Text records pass through as text.
        #expect(passed.compactMap { $0.records.first?.jsonText } == texts.compactMap(\.jsonText))
    }

    @Test func manyDistinctValuesEscapesAndNumbersAreTalliedAlikeFromText() async throws {
        // More distinct values than the byte-keyed part holds, strings that
        // need escapes or are not ASCII, counted numbers, exponents.
        var input: [DataValue] = []
        for i in 0..<60 {
            let unit: DataValue = i % 3 == 0 ? "°C" : "tab\there \"q\""
            let value: DataValue = i % 5 == 0 ? .double(Double(i) * 1.5e-3) : .integer(Int64(i))
            input.append(["sensor": .string("s-\(i % 25)"), "unit": unit, "level": .integer(Int64(i % 4)), "value": value])
        }
        input.append(["sensor": "s-1", "value": .double(2.5e22), "level": .double(1.5)])
        input.append(["sensor": nil, "value": nil, "level": true])
        let fields = (count: ["sensor", "unit", "level"], stats: ["value"])
        let byValue = AggregateProcessor(name: "v", countValues: fields.count, statistics: fields.stats)
        let byText = AggregateProcessor(name: "t", countValues: fields.count, statistics: fields.stats)
        let records = input.enumerated().map { Record($0.element, sourceID: "s", sequence: UInt64($0.offset + 1)) }
        _ = await byValue.process(batch: records)
        _ = await byText.process(batch: try records.map { $0.with(jsonText: try JSONWriter().bytes($0.value)[...]) })
        #expect(byText.result == byValue.result)
        #expect(byText.result.counts["sensor"]?.count == 26)  // s-0 ... s-24, and null
        #expect(byText.result.counts["sensor"]?["s-1"] == 4)
        #expect(byText.result.counts["unit"] == ["°C": 20, "tab\there \"q\"": 40])
        #expect(byText.result.counts["level"] == ["0": 15, "1": 15, "2": 15, "3": 15, "1.5": 1, "true": 1])
        #expect(byText.result.statistics["value"]?.maximum == 2.5e22)
        #expect(byText.result.statistics["value"]?.nonNumeric == 1)
    }
}
