/// A source's series in one pipeline, resolved once when it is registered.
struct SourceSeries: Sendable {
    let items: Counter
    let bytes: Counter
    let failures: Counter
    let retries: Counter
    let undecodable: Counter
    let connected: Gauge

    init(_ engine: EngineMetrics, pipeline: String, source: String) throws(MetricsError) {
        items = try engine.sourceItems.labels(pipeline, source)
        bytes = try engine.sourceBytes.labels(pipeline, source)
        failures = try engine.sourceFailures.labels(pipeline, source)
        retries = try engine.sourceRetries.labels(pipeline, source)
        undecodable = try engine.sourceUndecodable.labels(pipeline, source)
        connected = try engine.sourceConnected.labels(pipeline, source)
    }
}

/// A processor's series in one pipeline.
struct ProcessorSeries: Sendable {
    let recordsIn: Counter
    let recordsOut: Counter
    let dropped: Counter
    let failed: Counter
    let duration: Histogram

    init(_ engine: EngineMetrics, pipeline: String, processor: String) throws(MetricsError) {
        recordsIn = try engine.processorRecordsIn.labels(pipeline, processor)
        recordsOut = try engine.processorRecordsOut.labels(pipeline, processor)
        dropped = try engine.processorDropped.labels(pipeline, processor)
        failed = try engine.processorFailed.labels(pipeline, processor)
        duration = try engine.processorDuration.labels(pipeline, processor)
    }

    /// One batch through the processor.
    func record(input: Int, output: Int, dropped: Int, failed: Int, duration: Duration) {
        recordsIn.increment(by: input)
        recordsOut.increment(by: output)
        self.dropped.increment(by: dropped)
        self.failed.increment(by: failed)
        self.duration.observe(duration)
    }
}

/// A backend's series in one pipeline.
struct BackendSeries: Sendable {
    let stored: Counter
    let skipped: Counter
    let routed: Counter
    let failed: Counter
    let retries: Counter
    let duration: Histogram
    let up: Gauge

    init(_ engine: EngineMetrics, pipeline: String, backend: String) throws(MetricsError) {
        stored = try engine.backendStored.labels(pipeline, backend)
        skipped = try engine.backendSkipped.labels(pipeline, backend)
        routed = try engine.backendRouted.labels(pipeline, backend)
        failed = try engine.backendFailed.labels(pipeline, backend)
        retries = try engine.backendRetries.labels(pipeline, backend)
        duration = try engine.backendDuration.labels(pipeline, backend)
        up = try engine.backendUp.labels(pipeline, backend)
    }
}

/// A backend's spool series in one pipeline (made only for a pipeline with a spool).
struct SpoolSeries: Sendable {
    /// Records written to the spool, replayed from it, refused by it.
    let spooled, replayed, rejected: Counter
    let depth: Gauge

    init(_ engine: EngineMetrics, pipeline: String, backend: String) throws(MetricsError) {
        let counters = [engine.spoolSpooled, engine.spoolReplayed, engine.spoolRejected]
        let made = try counters.map { family throws(MetricsError) in try family.labels(pipeline, backend) }
        (spooled, replayed, rejected) = (made[0], made[1], made[2])
        depth = try engine.spoolDepth.labels(pipeline, backend)
    }
}
