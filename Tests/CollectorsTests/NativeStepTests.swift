import CollectorMocks
import CollectorValues
import Collectors
import Testing

/// A settable time for the processors that keep time (throttle, dedup).
private final class FakeTime: @unchecked Sendable {
    private let value = Locked(0.0)
    var now: Double {
        get { value.withLock { $0 } }
        set { value.withLock { $0 = newValue } }
    }
}

private func kept(_ results: [ProcessingResult]) -> [UInt64] {
    results.flatMap { $0.success ? $0.records.map(\.sequence) : [] }
}

private func batch(_ values: [DataValue]) -> [Record] {
    values.enumerated().map { record($1, sequence: UInt64($0 + 1)) }
}

@Suite("SampleProcessor")
struct SampleProcessorTests {
    @Test func oneInEveryNIsKeptEvenlyAndTheRestDropped() async {
        let sample = SampleProcessor(every: 10)
        let results = await sample.process(batch: batch((1...35).map { ["n": .integer(Int64($0))] }))
        #expect(kept(results) == [1, 11, 21, 31])
        #expect(results.filter { $0.success && $0.records.isEmpty }.count == 31, "the others are dropped, not failed")
    }

    @Test func aRateKeepsThatShareInOrder() async {
        let sample = SampleProcessor(rate: 0.25)
        let results = await sample.process(batch: batch((1...100).map { ["n": .integer(Int64($0))] }))
        #expect(kept(results).count == 25)
        #expect(kept(results).prefix(3) == [1, 5, 9])
    }

    @Test func aKeyKeepsOrDropsAllRecordsOfItTheSameInEveryInstance() async {
        let users = (0..<400).map { DataValue.object(["user": .string("u\($0 % 100)"), "n": .integer(Int64($0))]) }
        let first = await SampleProcessor(rate: 0.3, keyFields: ["user"]).process(batch: batch(users))
        let second = await SampleProcessor(rate: 0.3, keyFields: ["user"]).process(batch: batch(users))
        #expect(kept(first) == kept(second), "deterministic")
        var decisions: [String: Set<Bool>] = [:]
        for (value, result) in zip(users, first) {
            decisions[value["user"]!.stringValue!, default: []].insert(!result.records.isEmpty)
        }
        #expect(decisions.values.allSatisfy { $0.count == 1 }, "a key is kept whole or dropped whole")
        let keptUsers = decisions.filter { $0.value == [true] }.count
        #expect(keptUsers > 15 && keptUsers < 45, "about 30 of 100 users: \(keptUsers)")
    }
}

@Suite("ThrottleProcessor")
struct ThrottleProcessorTests {
    @Test func recordsOverTheRatePerKeyAreDroppedUntilTimeRefillsIt() async {
        let time = FakeTime()
        let throttle = ThrottleProcessor(limit: 2, keyFields: ["host"], now: { time.now })
        let hosts: [DataValue] = ["a", "a", "a", "b", "a", "b", "b"].map { ["host": $0] }
        #expect(kept(await throttle.process(batch: batch(hosts))) == [1, 2, 4, 6])
        time.now = 0.5  // one more token per host
        #expect(kept(await throttle.process(batch: batch(hosts))) == [1, 4])
        time.now = 10  // full again, but never more than the burst
        #expect(kept(await throttle.process(batch: batch(hosts))) == [1, 2, 4, 6])
    }

    @Test func theExcessCanBeDeadLetteredWithTheKey() async {
        let time = FakeTime()
        let throttle = ThrottleProcessor(
            name: "per-host", limit: 1, period: .seconds(60), keyFields: ["host"], excess: .deadLetter, now: { time.now })
        let results = await throttle.process(batch: batch([["host": "a"], ["host": "a"]]))
        #expect(results[0].success)
        let error = results[1].error
        #expect(error?.type == .processing)
        #expect(error?.details["reason"] == "over_rate")
        #expect(error?.message == "over the rate of 1 records per 1m for its key (host)")
        #expect(error?.details["key"] == ["host": "a"])
        #expect(error?.details["processor"] == "per-host")
    }

    @Test func keysAreBounded() async {
        let time = FakeTime()
        let throttle = ThrottleProcessor(limit: 1, keyFields: ["k"], maxKeys: 10, now: { time.now })
        // Keys 0..49 each once: each is let through; the map stays within the bound.
        let results = await throttle.process(batch: batch((0..<50).map { ["k": .integer(Int64($0))] }))
        #expect(kept(results).count == 50)
        // Key 49 is remembered (recent): a second record of it now is over the rate.
        #expect(kept(await throttle.process(batch: batch([["k": 49]]))) == [])
    }
}

@Suite("DedupProcessor")
struct DedupProcessorTests {
    @Test func aKeySeenWithinTheWindowIsADuplicate() async {
        let time = FakeTime()
        let dedup = DedupProcessor(keyFields: ["id"], window: .seconds(60), now: { time.now })
        #expect(kept(await dedup.process(batch: batch([["id": 1], ["id": 2], ["id": 1], ["id": 1.0]]))) == [1, 2, 4])
        time.now = 30
        #expect(kept(await dedup.process(batch: batch([["id": 1], ["id": 3]]))) == [2])
        time.now = 61  // id 1 and 2 were first seen at 0: forgotten
        #expect(kept(await dedup.process(batch: batch([["id": 1], ["id": 3], ["id": 2]]))) == [1, 3])
    }

    @Test func atMostMaxKeysAreRememberedTheLeastRecentlySeenGoFirst() async {
        let dedup = DedupProcessor(keyFields: ["id"], maxKeys: 3)
        // 1 is seen again (a duplicate) before 4 comes: 2, the least recently seen, is pushed out.
        #expect(kept(await dedup.process(batch: batch([["id": 1], ["id": 2], ["id": 3], ["id": 1], ["id": 4]]))) == [1, 2, 3, 5])
        #expect(kept(await dedup.process(batch: batch([["id": 1], ["id": 3], ["id": 4], ["id": 2]]))) == [4])
    }

    @Test func aHotKeySeenAgainAndAgainKeepsTheMemoryBounded() async {
        let dedup = DedupProcessor(keyFields: ["id"], maxKeys: 2)
        let hot = await dedup.process(batch: batch((0..<5000).map { ["id": .integer(Int64($0 % 2))] }))
        #expect(kept(hot) == [1, 2])
        // The last record was id 1: 0 is the least recent, pushed out by 2; 1 stays.
        #expect(kept(await dedup.process(batch: batch([["id": 2], ["id": 1]]))) == [1])
        #expect(kept(await dedup.process(batch: batch([["id": 0]]))) == [1])
    }

    @Test func withoutKeyTheWholeRecordIsTheKeyAndDuplicatesCanBeDeadLettered() async {
        let dedup = DedupProcessor(name: "once", duplicate: .deadLetter)
        let results = await dedup.process(batch: batch([["a": 1, "b": 2], ["a": 1, "b": 3], ["b": 2, "a": 1]]))
        #expect(results.map(\.success) == [true, true, false])
        #expect(results[2].error?.type == .validation)
        #expect(results[2].error?.message == "duplicate: the same record was seen")
    }

    @Test func droppedAndDeadLetteredDuplicatesShowInTheProcessorsMetrics() async throws {
        let registry = MetricsRegistry()
        let metrics = try PipelineMetrics(registry: registry, pipeline: "main")
        let sink = InMemoryDeadLetterSink()
        let manager = ProcessingManager(
            processors: [DedupProcessor(name: "dedup", keyFields: ["id"]), DedupProcessor(name: "strict", keyFields: ["v"], duplicate: .deadLetter)],
            errorHandler: MockErrorHandler(), deadLetters: sink, metrics: metrics)
        let out = await manager.process(batch: batch([["id": 1, "v": 1], ["id": 1, "v": 2], ["id": 2, "v": 1], ["id": 3, "v": 3]]))
        #expect(out.map(\.sequence) == [1, 4])
        #expect(sink.letters.map(\.record.sequence) == [3])
        func counter(_ name: String, _ processor: String) -> Double? {
            guard case .counter(let value) = registry.value(name, labels: ["pipeline": "main", "processor": processor]) else { return nil }
            return value
        }
        #expect(counter("collector_processor_records_dropped_total", "dedup") == 1)
        #expect(counter("collector_processor_records_failed_total", "strict") == 1)
        #expect(counter("collector_processor_records_out_total", "strict") == 2)
    }
}

@Suite("ValidateProcessor")
struct ValidateProcessorTests {
    static let order: DataValue = [
        "type": "object", "required": ["id", "items"], "additionalProperties": false,
        "properties": [
            "id": ["type": "string", "pattern": "^ord-[0-9]+$"],
            "status": ["enum": ["new", "paid"]],
            "note": ["type": ["string", "null"], "maxLength": 5],
            "items": [
                "type": "array", "minItems": 1,
                "items": [
                    "type": "object", "required": ["price"],
                    "properties": ["price": ["type": "number", "minimum": 0], "qty": ["type": "integer", "exclusiveMinimum": 0]],
                ],
            ],
        ],
    ]

    func problems(_ value: DataValue) throws -> [String] {
        try ValidationSchema(Self.order).problems(of: value)
    }

    @Test func aValidRecordPassesUnchanged() async throws {
        let processor = ValidateProcessor(schema: try ValidationSchema(Self.order))
        let input = record(["id": "ord-1", "status": "new", "note": nil, "items": [["price": 2.5, "qty": 1], ["price": 0]]])
        let result = try await processor.process(input)
        #expect(result.success)
        #expect(result.records.first?.value == input.value)
    }

    @Test func problemsNameThePath() throws {
        #expect(try problems(["id": "ord-1", "items": [["price": 1], ["price": 2], ["price": "3"]]])
            == [#"$.items[2].price: expected number, got string"#])
        #expect(try problems(["id": "x1", "items": []]) == [
            #"$.id: "x1" does not match the pattern "^ord-[0-9]+$""#, "$.items: expected at least 1 items, got 0",
        ])
        #expect(try problems(["id": "ord-2", "items": [["qty": 1.0]], "status": "lost", "extra": 1, "note": "too long"]).sorted() == [
            #"$.items[0]: missing required field "price""#, "$.items[0].qty: expected integer, got number",
            #"$.status: expected one of "new", "paid", got "lost""#, "$.note: expected at most 5 characters, got 8",
            #"$: unexpected field "extra""#,
        ].sorted())
        #expect(try problems(["items": [["price": -1, "qty": 0]]]).sorted() == [
            #"$: missing required field "id""#, "$.items[0].price: -1 is below the minimum 0", "$.items[0].qty: 0 is not above 0",
        ].sorted())
        #expect(try problems("text") == ["$: expected object, got string"])
    }

    @Test func aFailureIsAValidationErrorListingTheProblems() async throws {
        let processor = ValidateProcessor(name: "orders", schema: try ValidationSchema(Self.order))
        let result = try await processor.process(record(["id": 5, "items": [["price": "x"]]]))
        let error = try #require(result.error)
        #expect(error.type == .validation)
        #expect(error.message == "$.id: expected string, got integer (and 1 more problem)")
        #expect(error.details["problems"] == ["$.id: expected string, got integer", "$.items[0].price: expected number, got string"])
        #expect(error.details["processor"] == "orders")
    }

    @Test func aSchemaThatIsNotOneSaysWhere() {
        let cases: [(DataValue, String)] = [
            (["type": "obj"], "schema.type: expected one of object, array, string, number, integer, boolean, null (or a list of them), got \"obj\""),
            (["properties": ["price": ["minimun": 0]]], "schema.properties.price: unknown keyword 'minimun' (did you mean 'minimum'?)"),
            (["items": ["pattern": "(unclosed"]], "schema.items.pattern: not a valid regular expression \"(unclosed\""),
            (["minItems": -1], "schema.minItems: expected a count (an integer, 0 or more), got -1"),
            (["enum": []], "schema.enum: expected a list of the allowed values, got []"),
            (["required": "id"], "schema.required: expected a list of field names, got string"),
        ]
        for (schema, expected) in cases {
            do {
                _ = try ValidationSchema(schema)
                Issue.record("accepted \(schema)")
            } catch {
                #expect(error.message.hasPrefix(expected), "\(error.message)")
            }
        }
    }
}
