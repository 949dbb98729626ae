import CollectorMocks
import CollectorValues
import Collectors
import Testing

/// The engine's series after real pipeline runs (mock parts): they say what the report says.
@Suite("Pipeline metrics", .timeLimit(.minutes(1)))
struct PipelineMetricsTests {
    /// Retries without waiting, so that failures are retried at once.
    let retryAtOnce = RetryPolicy(maxAttempts: 3, initialDelay: .zero, maxDelay: .zero, jitter: .none)

    func counter(_ registry: MetricsRegistry, _ name: String, _ labels: [String: String]) -> Double? {
        guard case .counter(let value) = registry.value(name, labels: labels) else { return nil }
        return value
    }

    func gauge(_ registry: MetricsRegistry, _ name: String, _ labels: [String: String]) -> Double? {
        guard case .gauge(let value) = registry.value(name, labels: labels) else { return nil }
        return value
    }

    @Test func theCountersMatchTheReport() async throws {
        let registry = MetricsRegistry()
        // Collect calls 1, 4, 5 and 6 fail: the first collection is retried once, the third
        // three times in vain; the items are payloads 2, 3, 3 and 4 (-1, 2, 2, drop).
        let source = MockDataSource(
            id: "sensors", values: [["v": 1], ["v": -1], ["v": 2], ["drop": true]],
            collectFailures: .onCalls([1, 4, 5, 6], transient))
        let undecodable = MockDataSource(id: "broken", payloads: [Array("{nope".utf8)], format: .json)
        let positive = MockProcessor(name: "positive", failWhen: { ($0.value["v"]?.intValue ?? 0) < 0 })
        let filter = MockProcessor(name: "filter", transform: { $0.value["drop"] != nil ? .success([]) : .success($0) })
        let good = MockStorageBackend(id: "good")
        // Its first write fails once and is retried; its second fails for good (one record a batch).
        let flaky = MockStorageBackend(id: "flaky", storeFailures: .onCalls([1, 3, 4, 5], transient))
        let sink = InMemoryDeadLetterSink()
        let pipeline = try Pipeline(
            name: "main", sources: [source, undecodable], mode: .interval(.zero, count: 5),
            processors: [positive, filter], backends: [good, flaky],
            configuration: PipelineConfiguration(batchSize: 1, retryPolicy: retryAtOnce),
            errorHandler: MockErrorHandler(), deadLetters: sink, metrics: registry)
        let report = await pipeline.run()
        #expect(report.status == .completed)

        let main = ["pipeline": "main"]
        func ofSource(_ id: String) -> [String: String] { ["pipeline": "main", "source": id] }
        func ofProcessor(_ name: String) -> [String: String] { ["pipeline": "main", "processor": name] }
        func ofBackend(_ id: String) -> [String: String] { ["pipeline": "main", "backend": id] }

        // Sources.
        let items = [
            counter(registry, "collector_source_items_total", ofSource("sensors")),
            counter(registry, "collector_source_items_total", ofSource("broken")),
        ]
        #expect(items.compactMap { $0 }.reduce(0, +) == Double(report.collection.collected))
        #expect(counter(registry, "collector_source_items_total", ofSource("broken")) == 5)
        #expect(counter(registry, "collector_source_failures_total", ofSource("sensors")) == Double(report.collection.failed))
        #expect(counter(registry, "collector_source_retries_total", ofSource("sensors")) == Double(report.collection.retries))
        #expect(report.collection.retries == 3 && report.collection.failed == 1)
        #expect(counter(registry, "collector_source_bytes_total", ofSource("broken")) == 25)
        #expect(counter(registry, "collector_source_undecodable_records_total", ofSource("broken")) == 5)
        #expect(gauge(registry, "collector_source_connected", ofSource("sensors")) == 0, "disconnected at the end")

        // The pipeline as a whole.
        #expect(counter(registry, "collector_pipeline_records_in_total", main) == Double(report.processing.input))
        #expect(counter(registry, "collector_pipeline_records_out_total", main) == Double(report.processing.output))
        #expect(counter(registry, "collector_pipeline_records_dropped_total", main) == Double(report.processing.dropped))
        #expect(counter(registry, "collector_pipeline_records_failed_total", main) == Double(report.processing.failed))
        #expect(
            counter(registry, "collector_dead_letters_total", ["pipeline": "main", "layer": "processing"])
                == Double(report.processing.deadLettered))
        #expect(report.processing.dropped == 1 && report.processing.failed == 6)

        // Processors, each on what it saw.
        #expect(counter(registry, "collector_processor_records_in_total", ofProcessor("positive")) == 4)
        #expect(counter(registry, "collector_processor_records_failed_total", ofProcessor("positive")) == 1)
        #expect(counter(registry, "collector_processor_records_out_total", ofProcessor("positive")) == 3)
        #expect(counter(registry, "collector_processor_records_in_total", ofProcessor("filter")) == 3)
        #expect(counter(registry, "collector_processor_records_dropped_total", ofProcessor("filter")) == 1)
        #expect(counter(registry, "collector_processor_records_out_total", ofProcessor("filter")) == 2)
        guard case .histogram(let batches) = registry.value(
            "collector_processor_batch_duration_seconds", labels: ofProcessor("positive"))
        else {
            Issue.record("no processor histogram")
            return
        }
        #expect(batches.count == UInt64(positive.batchSizes.count), "one observation per batch")

        // Backends.
        #expect(counter(registry, "collector_backend_records_stored_total", ofBackend("good")) == Double(report.storage.stored["good"] ?? 0))
        #expect(counter(registry, "collector_backend_records_stored_total", ofBackend("flaky")) == Double(report.storage.stored["flaky"] ?? 0))
        #expect(counter(registry, "collector_backend_records_failed_total", ofBackend("flaky")) == Double(report.storage.failed["flaky"] ?? 0))
        #expect(counter(registry, "collector_backend_retries_total", ofBackend("flaky")) == Double(report.storage.retries))
        #expect(report.storage.retries == 3 && report.storage.failed["flaky"] == 1)
        #expect(
            counter(registry, "collector_dead_letters_total", ["pipeline": "main", "layer": "storage"])
                == Double(report.storage.failed["flaky"] ?? 0))
        #expect(sink.letters.count == report.processing.deadLettered + (report.storage.failed["flaky"] ?? 0))
        guard case .histogram(let writes) = registry.value("collector_backend_store_duration_seconds", labels: ofBackend("good"))
        else {
            Issue.record("no backend histogram")
            return
        }
        #expect(writes.count == UInt64(report.storage.batches))
        #expect(gauge(registry, "collector_backend_up", ofBackend("good")) == 0, "disconnected at the end")

        // The queues between the layers, read at scrape time.
        let text = await registry.scrape()
        #expect(text.contains("collector_queue_depth{pipeline=\"main\",queue=\"collected\"} 0\n"))
        #expect(text.contains("collector_queue_capacity{pipeline=\"main\",queue=\"records\"} 1024\n"))
        #expect(text.contains("# TYPE collector_processor_reloads_total counter") == false, "no reload yet: no series")
    }

    @Test func readinessFollowsTheRun() async throws {
        let registry = MetricsRegistry()
        let clock = ManualClock()
        let gate = TestGate()
        let source = MockDataSource(id: "poll", texts: ["x"])
        let backend = MockStorageBackend(id: "db", storeDelay: .gate(gate))
        let pipeline = try Pipeline(
            name: "p", sources: [source], mode: .interval(.seconds(10)), backends: [backend],
            configuration: PipelineConfiguration(batchSize: 1), errorHandler: MockErrorHandler(), clock: clock,
            metrics: registry)
        #expect(await pipeline.readiness() == .notReady("pipeline 'p' has not started"))
        let run = Task { await pipeline.run() }
        // A record is on its way into the backend; the source sleeps until its next tick.
        await gate.waitForArrivals(1)
        await clock.waitForSleepers(2)
        #expect(await pipeline.readiness() == .ready)
        #expect(gauge(registry, "collector_source_connected", ["pipeline": "p", "source": "poll"]) == 1)
        #expect(gauge(registry, "collector_backend_up", ["pipeline": "p", "backend": "db"]) == 1)
        await pipeline.stop()
        gate.open()
        _ = await run.value
        #expect(await pipeline.readiness() == .notReady("pipeline 'p' is cancelled"))
    }

    @Test func aFailingBackendMakesThePipelineUnready() async throws {
        let backend = MockStorageBackend(id: "db", storeFailures: .always(permanent))
        let storage = StorageManager(
            backends: [backend], configuration: .init(batchSize: 1, retryPolicy: .never),
            errorHandler: MockErrorHandler(),
            metrics: try PipelineMetrics(registry: MetricsRegistry(), pipeline: "p"))
        #expect(await storage.readiness == .notReady("backends are not connected"))
        await storage.setConnected(true)
        #expect(await storage.readiness == .ready)
        await storage.submit(records(1))
        #expect(await storage.readiness == .notReady("backend 'db': its last write failed"))
        #expect(await storage.failingBackendIDs == ["db"])
    }

    @Test func aSecondPipelineOnTheRegistryHasItsOwnSeries() async throws {
        let registry = MetricsRegistry()
        for name in ["one", "two"] {
            let pipeline = try Pipeline(
                name: name, sources: [MockDataSource(id: "s", texts: ["a", "b"])], mode: .interval(.zero, count: 2),
                backends: [MockStorageBackend(id: "db")], errorHandler: MockErrorHandler(), metrics: registry)
            _ = await pipeline.run()
        }
        for name in ["one", "two"] {
            #expect(counter(registry, "collector_backend_records_stored_total", ["pipeline": name, "backend": "db"]) == 2)
        }
    }

    @Test func aRegistryWithAnEngineNameInAnotherShapeIsRefused() throws {
        let registry = MetricsRegistry()
        _ = try registry.gauge("collector_source_items_total", help: "Not the engine's.")
        #expect(throws: MetricsError.self) {
            try Pipeline(backends: [MockStorageBackend()], metrics: registry)
        }
    }
}
