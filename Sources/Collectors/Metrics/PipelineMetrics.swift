/// The engine's series of one pipeline (label `pipeline`), handed to its
/// managers. `Pipeline` makes one when given a registry; managers used on
/// their own can be given one too.
///
/// A component's series are resolved once (when the source is registered,
/// when the manager is made, at a processor's first batch), so counting is
/// an atomic add on a series already at hand.
public final class PipelineMetrics: Sendable {
    public let pipeline: String
    public let registry: MetricsRegistry
    let engine: EngineMetrics
    let recordsIn: Counter
    let recordsOut: Counter
    let dropped: Counter
    let failed: Counter
    let processingDeadLetters: Counter
    let storageDeadLetters: Counter
    let unrouted: Counter
    let read: Counter
    let created: Counter
    let discarded: Counter
    let deadLettersLost: Counter
    let ledgerMismatches: Counter
    private let hooks = Locked<[ScrapeHookToken]>([])

    /// - Throws: `.conflict` if the registry holds one of the engine's names
    ///   in another shape, `.tooManySeries` if its families are full.
    public init(registry: MetricsRegistry, pipeline: String) throws(MetricsError) {
        self.pipeline = pipeline
        self.registry = registry
        let engine = try EngineMetrics(registry: registry)
        self.engine = engine
        recordsIn = try engine.pipelineRecordsIn.labels(pipeline)
        recordsOut = try engine.pipelineRecordsOut.labels(pipeline)
        dropped = try engine.pipelineDropped.labels(pipeline)
        failed = try engine.pipelineFailed.labels(pipeline)
        processingDeadLetters = try engine.deadLetters.labels(pipeline, "processing")
        storageDeadLetters = try engine.deadLetters.labels(pipeline, "storage")
        unrouted = try engine.unrouted.labels(pipeline)
        read = try engine.pipelineRead.labels(pipeline)
        created = try engine.pipelineCreated.labels(pipeline)
        discarded = try engine.discarded.labels(pipeline)
        deadLettersLost = try engine.deadLettersLost.labels(pipeline)
        ledgerMismatches = try engine.ledgerMismatches.labels(pipeline)
    }

    deinit {
        for token in hooks.withLock({ $0 }) { registry.removeScrapeHook(token) }
    }

    // A family that is full (`maxSeriesPerFamily`) leaves the component
    // without metrics rather than failing the data path.

    func source(_ id: String) -> SourceSeries? {
        try? SourceSeries(engine, pipeline: pipeline, source: id)
    }

    func processor(_ name: String) -> ProcessorSeries? {
        try? ProcessorSeries(engine, pipeline: pipeline, processor: name)
    }

    func undecodable(source id: String) -> Counter? {
        try? engine.sourceUndecodable.labels(pipeline, id)
    }

    func backend(_ id: String) -> BackendSeries? {
        try? BackendSeries(engine, pipeline: pipeline, backend: id)
    }

    func spool(_ backendID: String) -> SpoolSeries? {
        try? SpoolSeries(engine, pipeline: pipeline, backend: backendID)
    }

    /// Exposes a queue's capacity, and its depth as read at each scrape
    /// (reading it there costs the data path nothing).
    func watch<Element>(_ queue: BoundedQueue<Element>, named name: String) {
        guard let depth = try? engine.queueDepth.labels(pipeline, name),
            let capacity = try? engine.queueCapacity.labels(pipeline, name)
        else { return }
        capacity.set(Double(queue.capacity))
        let token = registry.onScrape { depth.set(Double(queue.count)) }
        hooks.withLock { $0.append(token) }
    }
}
