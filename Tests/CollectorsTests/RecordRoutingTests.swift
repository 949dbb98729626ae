import CollectorMocks
import CollectorValues
import Collectors
import Testing

/// Answers from a table of record values, in order; fails records it has no answer for.
private struct TableChooser: RouteChooser {
    let answers: [DataValue: [String]]

    func choose(_ records: [Record]) async -> [Result<[String], ErrorInfo>] {
        records.map { record in
            guard let names = answers[record.value] else {
                return .failure(ErrorInfo(.processing, layer: .processing, operation: "route", message: "no answer"))
            }
            return .success(names)
        }
    }
}

private func leveled(_ level: DataValue, _ n: Int64) -> DataValue {
    .object(["level": level, "n": .integer(n)])
}

@Suite("Record routing", .timeLimit(.minutes(1)))
struct RecordRoutingTests {
    @Test func aFieldsValueChoosesTheOutputsAndOthersGoToTheDefault() async throws {
        let rule = FieldRoute(field: "level", outputs: ["error": ["alerts"], "warn": ["alerts", "main"], 5: ["alerts"]])
        let routing = try RecordRouting(outputs: ["alerts", "main"], rule: .field(rule), defaultOutput: "main")
        let batch = [
            leveled("error", 1), leveled("info", 2), leveled("warn", 3), .object(["n": 4]), leveled(.double(5), 5),
        ].map { record($0) }
        let outcome = await routing.route(batch)
        #expect(outcome.failures.isEmpty && outcome.unrouted == 0)
        #expect(outcome.routed.map(\.route) == [["alerts"], ["main"], ["alerts", "main"], ["main"], ["alerts"]])
    }

    @Test func withoutADefaultRecordsNoRouteChoseAreUnroutedNotStored() async throws {
        let rule = FieldRoute(field: "level", outputs: ["error": ["alerts"]])
        let routing = try RecordRouting(outputs: ["alerts", "main"], rule: .field(rule))
        let outcome = await routing.route([record(leveled("error", 1)), record(leveled("info", 2)), record(.null)])
        #expect(outcome.routed.count == 1 && outcome.unrouted == 2 && outcome.failures.isEmpty)
    }

    @Test func aProcessorsChoiceStandsAndAnUnknownOutputFailsTheRecordNamingTheOutputs() async throws {
        let routing = try RecordRouting(
            outputs: ["alerts", "main"], rule: .chooser(TableChooser(answers: ["a": ["main"], "b": ["nowhere"]])),
            owner: "pipeline \"web\"")
        var chosen = record("x")
        chosen.route = ["alerts"]
        let outcome = await routing.route([chosen, record("a"), record("b"), record("c")])
        #expect(outcome.routed.map(\.route) == [["alerts"], ["main"]])
        #expect(outcome.failures.count == 2)
        let unknown = try #require(outcome.failures.first { $0.record.value == "b" })
        #expect(unknown.error.message.contains("pipeline \"web\": its route sent the record to the output 'nowhere'"))
        #expect(unknown.error.message.contains("alerts, main"))
        #expect(outcome.failures.contains { $0.record.value == "c" && $0.error.message == "no answer" })
    }

    @Test func withoutARuleUnchosenRecordsGoEverywhereAndANameOnUnnamedOutputsFails() async throws {
        let routing = try RecordRouting(outputs: [])
        var chosen = record("y")
        chosen.route = ["alerts"]
        let outcome = await routing.route([record("x"), chosen])
        #expect(outcome.routed.count == 1 && outcome.routed[0].route == nil)
        #expect(outcome.failures.first?.error.message.contains("have no names") == true)
    }

    @Test func aRuleOrDefaultNamingAMissingOutputIsAConfigurationError() {
        #expect(throws: ErrorInfo.self) {
            try RecordRouting(outputs: ["main"], rule: .field(FieldRoute(field: "f", outputs: ["x": ["alerts"]])))
        }
        #expect(throws: ErrorInfo.self) { try RecordRouting(outputs: ["main"], defaultOutput: "other") }
        #expect(throws: ErrorInfo.self) { try RecordRouting(outputs: ["main", "main"]) }
    }

    @Test func aPipelineStoresEachRecordInItsOutputsAndTheLedgerCountsUnrouted() async throws {
        let values: [DataValue] = [
            leveled("error", 1), leveled("info", 2), leveled("warn", 3), leveled("debug", 4), leveled("error", 5),
        ]
        let alerts = MockStorageBackend(id: "a"), main = MockStorageBackend(id: "m")
        let rule = FieldRoute(field: "level", outputs: ["error": ["alerts"], "warn": ["alerts", "main"], "info": ["main"]])
        let metrics = MetricsRegistry()
        let pipeline = try Pipeline(
            name: "routed", sources: [MockDataSource(id: "src", values: values)], mode: .interval(.zero, count: values.count),
            backends: [alerts, main], configuration: PipelineConfiguration(batchSize: 2, retryPolicy: .never),
            errorHandler: MockErrorHandler(),
            routing: try RecordRouting(outputs: ["alerts", "main"], rule: .field(rule)), metrics: metrics)
        let report = await pipeline.run()
        #expect(report.ledger.mismatches.isEmpty, "\(report.ledger.mismatches)")
        #expect(report.ledger.unrouted == 1 && report.ledger.output == 4)
        #expect(alerts.records.compactMap { $0["n"]?.intValue } == [1, 3, 5])
        #expect(main.records.compactMap { $0["n"]?.intValue } == [2, 3])
        #expect(report.storage.routed == ["a": 3, "m": 2])
        let text = metrics.render()
        #expect(text.contains(#"collector_storage_unrouted_records_total{pipeline="routed"} 1"#), "\(text)")
    }

    @Test func aRouteToAMissingOutputIsAFailedRecordThatIsDeadLettered() async throws {
        let values: [DataValue] = ["keep", "lost"]
        let backend = MockStorageBackend(id: "m")
        let sink = InMemoryDeadLetterSink()
        let pipeline = try Pipeline(
            sources: [MockDataSource(id: "src", values: values)], mode: .interval(.zero, count: values.count),
            backends: [backend], configuration: PipelineConfiguration(batchSize: 2, retryPolicy: .never),
            errorHandler: MockErrorHandler(), deadLetters: sink,
            routing: try RecordRouting(
                outputs: ["main"], rule: .chooser(TableChooser(answers: ["keep": ["main"], "lost": ["mian"]]))))
        let report = await pipeline.run()
        #expect(report.ledger.mismatches.isEmpty, "\(report.ledger.mismatches)")
        #expect(report.ledger.failed == 1 && report.ledger.deadLetters == 1)
        #expect(backend.records == ["keep"])
        #expect(sink.letters.first?.error.message.contains("'mian', which does not exist") == true)
    }
}

@Suite("Record route")
struct RecordRouteTests {
    @Test func aRouteStaysThroughChangesOfTheValueAndTheText() {
        var routed = record(.object(["n": 1]))
        #expect(routed.route == nil)
        routed.route = ["alerts"]
        let changed = routed.with(value: .object(["n": 2]))
        #expect(changed.route == ["alerts"] && changed.value == .object(["n": 2]))
        let text = changed.with(jsonText: Array(#"{"n":3}"#.utf8)[...])
        #expect(text.route == ["alerts"] && text.jsonText.map { Array($0) } == Array(#"{"n":3}"#.utf8))
        #expect(text.fields(JSONFieldPicker(["n"])) == [.integer(3)])
        var set = text
        set.value = "plain"
        #expect(set.route == ["alerts"] && set.value == "plain")
        set.route = nil
        #expect(set.route == nil && set.value == "plain")
    }

    @Test func operationsAreMatchedByName() {
        var error = ErrorInfo(.validation, layer: .processing, operation: "decode", message: "bad JSON")
        #expect(error.failedOperation == .decode)
        error.failedOperation = "store"
        #expect(error.operation == "store" && error.failedOperation != .decode)
    }
}
