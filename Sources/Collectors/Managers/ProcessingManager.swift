import CollectorValues

/// Runs records through the ordered processors. (Seed: `IProcessingManager`
/// and the processing pipeline.)
///
/// Each processor sees the batch the previous one produced, in one call
/// (`process(batch:)`). A failure concerns its record only: the error (with
/// the processor's name) goes to the error handler, the record goes to the
/// dead-letter sink, and the rest of the batch goes on. An actor: the
/// processor list (replaceable between batches, for hot reload) and the
/// counters are its state.
public actor ProcessingManager {
    /// Counters since the manager was made.
    public struct Statistics: Sendable, Hashable {
        /// Records that entered.
        public var input = 0
        /// Records that came out of the last processor.
        public var output = 0
        /// Records a processor filtered out (success with no output).
        public var dropped = 0
        /// Records that failed (dead-lettered, or only logged if the handler said so).
        public var failed = 0
        public var deadLettered = 0
        public var batches = 0
    }

    private var processors: [any Processor]
    private let errorHandler: any ErrorHandler
    private let deadLetters: (any DeadLetterSink)?
    private let emitter: (any EventEmitter)?
    private let metrics: PipelineMetrics?
    /// Per processor name, resolved at its first batch (processors can be replaced).
    private var series: [String: ProcessorSeries] = [:]
    private var stats = Statistics()
    /// Set when the error handler decided `.stop`; the pipeline stops collecting.
    public private(set) var stopRequested = false

    public init(
        processors: [any Processor],
        errorHandler: any ErrorHandler = DefaultErrorHandler(),
        deadLetters: (any DeadLetterSink)? = nil,
        emitter: (any EventEmitter)? = nil,
        metrics: PipelineMetrics? = nil
    ) {
        self.processors = processors
        self.errorHandler = errorHandler
        self.deadLetters = deadLetters
        self.emitter = emitter
        self.metrics = metrics
    }

    public var processorNames: [String] { processors.map(\.name) }
    public var statistics: Statistics { stats }

    /// Replaces the processors; the batch in progress finishes with the old ones.
    public func setProcessors(_ processors: [any Processor]) {
        self.processors = processors
    }

    /// Processes one record; see `process(batch:)`.
    public func process(_ record: Record) async -> [Record] {
        await process(batch: [record])
    }

    /// Runs the batch through every processor and returns what came out, in order.
    public func process(batch records: [Record]) async -> [Record] {
        stats.input += records.count
        stats.batches += 1
        var current = records
        var dropped = 0, failed = 0
        for processor in processors where !current.isEmpty {
            let measured = metrics == nil ? nil : series(for: processor.name)
            let started: ContinuousClock.Instant? = measured == nil ? nil : .now
            let (input, droppedBefore, failedBefore) = (current.count, dropped, failed)
            // Counted once per batch and processor, on every way out of this iteration.
            defer {
                if let measured, let started {
                    measured.record(
                        input: input, output: current.count, dropped: dropped - droppedBefore,
                        failed: failed - failedBefore, duration: .now - started)
                }
            }
            let results = await processor.process(batch: current)
            var next: [Record] = []
            next.reserveCapacity(current.count)
            guard results.count == current.count else {
                let error = ErrorInfo(
                    .processing, layer: .processing, operation: "process",
                    message: "processor '\(processor.name)' returned \(results.count) results for \(current.count) records",
                    details: ["processor": .string(processor.name)])
                for record in current { await fail(record, error, processor: processor.name) }
                failed += current.count
                current = []
                break
            }
            for (record, result) in zip(current, results) {
                if result.success {
                    if result.records.isEmpty { dropped += 1 }
                    next.append(contentsOf: result.records)
                } else {
                    let error =
                        result.error
                        ?? ErrorInfo(
                            .processing, layer: .processing, operation: "process",
                            message: "processor '\(processor.name)' failed without an error")
                    await fail(record, error, processor: processor.name)
                    failed += 1
                }
            }
            current = next
        }
        stats.output += current.count
        stats.dropped += dropped
        stats.failed += failed
        if let metrics {
            metrics.recordsIn.increment(by: records.count)
            metrics.recordsOut.increment(by: current.count)
            metrics.dropped.increment(by: dropped)
            metrics.failed.increment(by: failed)
        }
        emitter?.emit(
            .processingComplete, source: "processing",
            data: [
                "input": .integer(Int64(records.count)), "output": .integer(Int64(current.count)),
                "dropped": .integer(Int64(dropped)), "failed": .integer(Int64(failed)),
            ])
        return current
    }

    /// Reports a record that failed before any processor ran (it could not be decoded).
    public func reportFailure(_ record: Record, error: ErrorInfo) async {
        stats.input += 1
        stats.failed += 1
        if let metrics {
            metrics.recordsIn.increment()
            metrics.failed.increment()
            metrics.undecodable(source: record.sourceID)?.increment()
        }
        await fail(record, error, processor: nil)
    }

    private func fail(_ record: Record, _ error: ErrorInfo, processor: String?) async {
        var error = error
        if let processor, error.details["processor"] == nil { error.details["processor"] = .string(processor) }
        error.details["source_id"] = .string(record.sourceID)
        error.details["sequence"] = .integer(Int64(truncatingIfNeeded: record.sequence))
        let decision = await errorHandler.handle(error)
        emitter?.emit(.processingFailed, source: processor ?? "processing", data: error.object)
        switch decision {
        case .log:
            return
        case .stop:
            stopRequested = true
            // Stopping must not lose the record either.
            await deadLetter(record, error)
        case .deadLetter, .retry:
            // A processor's failure is about its input, so another try would fail the same way.
            await deadLetter(record, error)
        }
    }

    private func series(for processor: String) -> ProcessorSeries? {
        if let known = series[processor] { return known }
        let made = metrics?.processor(processor)
        series[processor] = made
        return made
    }

    private func deadLetter(_ record: Record, _ error: ErrorInfo) async {
        guard let deadLetters else { return }
        stats.deadLettered += 1
        metrics?.processingDeadLetters.increment()
        await deadLetters.deadLetter(DeadLetter(record: record, error: error))
        emitter?.emit(
            .deadLetter, source: error.details["processor"]?.stringValue ?? "processing",
            data: [
                "source_id": .string(record.sourceID), "sequence": .integer(Int64(truncatingIfNeeded: record.sequence)),
                "message": .string(error.message),
            ])
    }
}
