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
}
