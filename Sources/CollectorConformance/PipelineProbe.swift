import Collectors

/// One run of a real `Pipeline` for a check: with metrics and dead letters
/// kept, stopped once `until` holds (or `limit` has passed), then drained.
struct PipelineProbe {
    static let name = "conformance"

    let report: PipelineReport
    let registry: MetricsRegistry
    let deadLetters: InMemoryDeadLetterSink
    /// Whether `until` held before the limit (a run that ended by itself counts when it holds then).
    let reached: Bool

    static func run(
        source: any DataSource, mode: CollectionMode, processors: [any Processor] = [], backend: any StorageBackend,
        batchSize: Int = 100, limit: Duration = .seconds(20), until: @escaping @Sendable () async -> Bool
    ) async throws -> PipelineProbe {
        let registry = MetricsRegistry()
        let deadLetters = InMemoryDeadLetterSink()
        let pipeline = try Pipeline(
            name: name, sources: [source], mode: mode, processors: processors, backends: [backend],
            configuration: PipelineConfiguration(
                batchSize: batchSize, maxBatchAge: .milliseconds(50), retryPolicy: .never, drainTimeout: .seconds(10)),
            deadLetters: deadLetters, metrics: registry)
        let running = Task { await pipeline.run() }
        let clock = ContinuousClock()
        let deadline = clock.now + limit
        var reached = false
        while clock.now < deadline {
            if await until() {
                reached = true
                break
            }
            let status = await pipeline.status
            if status != .running && status != .pending { break }
            try? await Task.sleep(for: .milliseconds(20))
        }
        await pipeline.stop()
        guard let report = await result(of: Task { await running.value }, within: .seconds(15)) else {
            throw CheckFailure("the pipeline did not end within 15 s of stop(): the source does not end its collect()/stream() when cancelled")
        }
        if !reached { reached = await until() }
        return PipelineProbe(report: try report.get(), registry: registry, deadLetters: deadLetters, reached: reached)
    }

    /// A counter or gauge of this run, by its labels; `nil` when the series does not exist.
    func value(_ metric: String, _ labels: [String: String]) -> Double? {
        var labels = labels
        labels["pipeline"] = Self.name
        switch registry.value(metric, labels: labels) {
        case .counter(let value)?, .gauge(let value)?: return value
        case .histogram(let histogram)?: return Double(histogram.count)
        case nil: return nil
        }
    }
}
