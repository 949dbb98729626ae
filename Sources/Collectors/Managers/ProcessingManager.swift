import CollectorValues

/// Runs records through the ordered processors. (Seed: `IProcessingManager`
/// and the processing pipeline; see `ProcessingManaging`.)
///
/// Each processor sees the batch the previous one produced, in one call
/// (`process(batch:)`). A failure concerns its record only: the error (with
/// the processor's name) goes to the error handler, the record goes to the
/// dead-letter sink, and the rest of the batch goes on. An actor: the
/// processor list (replaceable between batches, for hot reload) and the
/// counters are its state.
///
/// With a `routing`, what comes out of the last processor is routed among
/// the pipeline's named outputs (see `RecordRouting`): a record routed
/// nowhere is counted as unrouted, one routed to an output that does not
/// exist fails (dead-lettered) like a record a processor failed.
///
/// Processors with a timer (`Processor.timerInterval`) are ticked by the
/// pipeline between batches (`beginTimers()`, then `complete(_:)`); what a
/// tick gives goes through the processors after the one that ticked.
public actor ProcessingManager: ProcessingManaging {
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
        /// Records processors made beyond their input: the extra records of a
        /// split, and what timers and shutdown hooks gave (so that
        /// `input + created == output + dropped + failed + unrouted`).
        public var created = 0
        /// Records the routing sent to no output (no route chose one, and there is no default).
        public var unrouted = 0
        /// Failed records handed to the dead-letter sink.
        public var deadLettered = 0
        /// Failed records that went to no dead-letter sink (none, or the handler said `.log`).
        public var discarded = 0
        public var batches = 0
    }

    private var processors: [any Processor]
    private let routing: RecordRouting?
    private let errorHandler: any ErrorHandler
    private let deadLetters: (any DeadLetterSink)?
    private let emitter: (any EventEmitter)?
    private let metrics: PipelineMetrics?
    /// Per processor name, resolved at its first batch (processors can be replaced).
    private var series: [String: ProcessorSeries] = [:]
    private var stats = Statistics()
    /// Set when the error handler decided `.stop`; the pipeline stops collecting.
    public private(set) var stopRequested = false
    /// When the processors' timers are next due.
    var timers: ProcessorTimers
    /// Told when a processor's timer interval may have changed, so that a
    /// stage waiting for items takes the new interval at once.
    nonisolated let timerChanges = Mailbox<Void>()

    /// - Parameters:
    ///   - clock: for the processors' timers (`Processor.timerInterval`).
    ///   - routing: routes what comes out among named outputs; `nil`: every record goes to every backend.
    public init(
        processors: [any Processor],
        routing: RecordRouting? = nil,
        errorHandler: any ErrorHandler = DefaultErrorHandler(),
        deadLetters: (any DeadLetterSink)? = nil,
        emitter: (any EventEmitter)? = nil,
        metrics: PipelineMetrics? = nil,
        clock: some Clock<Duration> = ContinuousClock()
    ) {
        self.processors = processors
        self.routing = routing
        self.errorHandler = errorHandler
        self.deadLetters = deadLetters
        self.emitter = emitter
        self.metrics = metrics
        timers = ProcessorTimers(clock: AnyClock(clock))
        for processor in processors { observeTimer(of: processor) }
    }

    public var processorNames: [String] { processors.map(\.name) }
    /// Whether a processor reads records' origins (see `Processor.readsOrigin`).
    public var readsOrigins: Bool { processors.contains { $0.readsOrigin } }
    /// The processors now (what `setProcessors` replaces).
    public var currentProcessors: [any Processor] { processors }
    public var statistics: Statistics { stats }

    /// Replaces the processors; the batch in progress finishes with the old ones.
    public func setProcessors(_ processors: [any Processor]) {
        self.processors = processors
        for processor in processors { observeTimer(of: processor) }
        timerChanges.push(())
    }

    /// Processes one record; see `process(batch:)`.
    public func process(_ record: Record) async -> [Record] {
        await process(batch: [record])
    }

    /// Runs the batch through every processor and returns what came out, in order.
    public func process(batch records: [Record]) async -> [Record] {
        await complete(await begin(batch: records))
    }

    /// Runs undecoded JSON documents through every processor. A first
    /// processor that is a `JSONDocumentProcessor` decodes them itself;
    /// otherwise they are decoded here, and those that are not JSON fail
    /// (dead-lettered as text) before any processor runs.
    public func process(documents: [JSONDocument]) async -> [Record] {
        await complete(await begin(documents: documents))
    }

    // MARK: Two halves

    /// A batch between the two halves of processing: what the first
    /// processor made of it, and the processors still to run (those of the
    /// moment it began, even if they are replaced meanwhile).
    ///
    /// A pipeline runs the halves in two tasks, so the first processor (the
    /// Lua one, on its own threads) works on the next batch while the rest
    /// finish this one. Each half takes batches in order, so records keep it.
    public struct StagedBatch: Sendable {
        var records: [Record]
        var rest: ArraySlice<any Processor>
        var input: Int
        var dropped = 0
        var failed = 0
        /// Set for a batch of timers (`beginTimers()`): `records` is what the
        /// first processor's tick gave; these are the later processors' ticks.
        var ticks: [DueTick]?
        /// Whether the taps of the stage `records` are at were fed already (by the first half).
        var tapped = false
    }

    /// The first half of `process(batch:)`: the first processor.
    public func begin(batch records: [Record]) async -> StagedBatch {
        stats.input += records.count
        stats.batches += 1
        var staged = StagedBatch(records: [], rest: processors.dropFirst(), input: records.count)
        staged.records = await run(processors.prefix(1), records, dropped: &staged.dropped, failed: &staged.failed)
        staged.tapped = true
        return staged
    }

    /// The first half of `process(documents:)`: decoding, and the first
    /// processor when it decodes JSON itself.
    public func begin(documents: [JSONDocument]) async -> StagedBatch {
        stats.input += documents.count
        stats.batches += 1
        var staged = StagedBatch(records: [], rest: processors[...], input: documents.count)
        staged.records.reserveCapacity(documents.count)
        if let first = processors.first as? any JSONDocumentProcessor {
            staged.rest = processors.dropFirst()
            staged.tapped = true
            if !taps.isEmpty { feedTaps(stage: 0, documents.map { $0.record() }) }
            defer { if !taps.isEmpty { feedTaps(stage: 1, staged.records) } }
            let measured = metrics == nil ? nil : series(for: first.name)
            let started: ContinuousClock.Instant? = measured == nil ? nil : .now
            let failedBefore = staged.failed
            defer {
                if let measured, let started {
                    measured.record(
                        input: documents.count, output: staged.records.count, dropped: staged.dropped,
                        failed: staged.failed - failedBefore, duration: .now - started)
                }
            }
            let results = await first.process(documents: documents)
            if results.count != documents.count {
                let error = Self.countMismatch(first, results: results.count, inputs: documents.count)
                for document in documents { await fail(document.record(), error, processor: first.name) }
                staged.failed += documents.count
                staged.rest = []
                return staged
            }
            if !recordings.isEmpty { feedRecordings(processor: 0, documents.map { $0.record() }, results) }
            if !shadows.isEmpty, let shadow = shadows[0] { shadow.offer(documents.map { $0.record() }, results) }
            for (document, result) in zip(documents, results) {
                if result.success {
                    if result.recordCount == 0 { staged.dropped += 1 }
                    if result.recordCount > 1 { countCreated(result.recordCount - 1) }
                    result.appendRecords(to: &staged.records, from: document.id)
                } else {
                    var error = result.error ?? Self.missingError(first)
                    let decoding = error.failedOperation == .decode
                    if decoding {
                        metrics?.undecodable(source: document.sourceID)?.increment()
                        error = document.locating(error)
                    }
                    // A document that could not be decoded goes on as its text
                    // (decoding it natively could take what a limit refused).
                    await fail(decoding ? document.textRecord() : document.record(), error, processor: decoding ? nil : first.name)
                    staged.failed += 1
                }
            }
        } else {
            for document in documents {
                let record = document.record(holding: .null)
                switch RecordDecoder.json(document.bytes, firstLine: document.line, startOffset: document.offset) {
                case .success(let value):
                    staged.records.append(record.with(value: value))
                case .failure(var error):
                    metrics?.undecodable(source: document.sourceID)?.increment()
                    error.details["source_id"] = .string(document.sourceID)
                    await fail(record.with(value: RecordDecoder.text(document.bytes)), error, processor: nil)
                    staged.failed += 1
                }
            }
        }
        return staged
    }

    /// The second half: the processors after the first; returns what came out, in order.
    public func complete(_ staged: StagedBatch) async -> [Record] {
        if let ticks = staged.ticks { return await completeTimers(staged, ticks) }
        var dropped = staged.dropped, failed = staged.failed
        // Records the first half showed to their stage's taps are not shown again.
        var output = await run(staged.rest, staged.records, dropped: &dropped, failed: &failed, tapEntry: !staged.tapped)
        var unrouted = 0
        if let routing { output = await route(output, with: routing, failed: &failed, unrouted: &unrouted) }
        account(input: staged.input, output: output.count, dropped: dropped, failed: failed, unrouted: unrouted)
        return output
    }

    // MARK: Taps

    private struct Tap {
        var stage: Int
        var wanted: Int
        var records: [Record] = []
        var continuation: CheckedContinuation<[Record], Never>
    }

    private var taps: [UInt64: Tap] = [:]
    private var nextTap: UInt64 = 0
    /// Open `record(processor:count:)` calls (see ProcessingManager+Recording.swift).
    var recordings = ProcessorRecordings()
    /// New versions running beside processors, by the processor's place (see `setShadow`).
    private var shadows: [Int: ShadowRun] = [:]

    /// Runs `shadow` beside the processor at `index` (0-based) on the
    /// records it receives from now on, or stops the one there (`nil`).
    public func setShadow(_ shadow: ShadowRun?, at index: Int) {
        shadows[index]?.stop()
        shadows[index] = shadow
    }

    /// The next `count` records at a stage — 0: entering the first processor;
    /// k: what processor k (from 1) gave — as they pass, for looking at a
    /// running pipeline. Returns early with what it saw when the task is
    /// cancelled or the pipeline ends (`closeTaps()`).
    public func tap(stage: Int, count: Int) async -> [Record] {
        guard count > 0, stage >= 0, stage <= processors.count else { return [] }
        nextTap += 1
        let id = nextTap
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                taps[id] = Tap(stage: stage, wanted: count, continuation: continuation)
            }
        } onCancel: {
            Task { await self.endTap(id) }
        }
    }

    /// Ends every tap with what it saw (the pipeline is done).
    public func closeTaps() {
        for id in Array(taps.keys) { endTap(id) }
        endRecordings()
    }

    private func endTap(_ id: UInt64) {
        guard let tap = taps.removeValue(forKey: id) else { return }
        tap.continuation.resume(returning: tap.records)
    }

    private func feedTaps(stage: Int, _ records: [Record]) {
        for (id, var tap) in taps where tap.stage == stage {
            tap.records += records.prefix(tap.wanted - tap.records.count)
            if tap.records.count >= tap.wanted {
                taps[id] = nil
                tap.continuation.resume(returning: tap.records)
            } else {
                taps[id] = tap
            }
        }
    }

    /// The names of the processors, in order: stage k is after the k-th.
    public var stageNames: [String] { processors.map(\.name) }

    /// Finishes each processor in order (see `Processor.finish()`); what one
    /// gives goes through the processors after it. Returns the records that
    /// come out of the last one.
    public func finish() async -> [Record] {
        var output: [Record] = []
        for (index, processor) in processors.enumerated() {
            output += await release(await processor.finish(), of: processor, then: processors[(index + 1)...])
        }
        return output
    }

    /// What a processor gave outside a batch (a tick, its finish), through
    /// the processors `after` it; see `gather` and `pass`.
    func release(_ results: [ProcessingResult], of processor: any Processor, then after: ArraySlice<any Processor>) async
        -> [Record]
    {
        guard !results.isEmpty else { return [] }
        let (records, failed) = await gather(results, of: processor)
        return await pass(records, through: after, failed: failed)
    }

    /// The records of what a processor gave outside a batch. A failure (a
    /// hook that raised) is reported and dead-lettered as a record of the
    /// processor's own, with null in it, since no input record failed.
    func gather(_ results: [ProcessingResult], of processor: any Processor) async -> (records: [Record], failed: Int) {
        var records: [Record] = []
        var failed = 0
        for result in results {
            if result.success {
                result.appendRecords(to: &records)
            } else {
                let placeholder = Record(.null, sourceID: processor.name, sequence: 0)
                await fail(placeholder, result.error ?? Self.missingError(processor), processor: processor.name)
                failed += 1
            }
        }
        if let own = series(for: processor.name) {
            own.recordsOut.increment(by: records.count)
            own.failed.increment(by: failed)
        }
        return (records, failed)
    }

    /// Runs records a processor made outside a batch through `processors`,
    /// counted as output, never as input; `failed` are its failures so far.
    func pass(_ records: [Record], through processors: ArraySlice<any Processor>, failed: Int) async -> [Record] {
        // No input record stands for these (nor for the failures so far, placeholders of failed hooks).
        countCreated(records.count + failed)
        var dropped = 0, failed = failed, unrouted = 0
        var out = await run(processors, records, dropped: &dropped, failed: &failed)
        if let routing { out = await route(out, with: routing, failed: &failed, unrouted: &unrouted) }
        stats.output += out.count
        stats.dropped += dropped
        stats.failed += failed
        stats.unrouted += unrouted
        if let metrics {
            metrics.recordsOut.increment(by: out.count)
            metrics.dropped.increment(by: dropped)
            metrics.failed.increment(by: failed)
            metrics.unrouted.increment(by: unrouted)
        }
        return out
    }

    /// Runs `records` through `processors` in turn.
    private func run(
        _ processors: ArraySlice<any Processor>, _ records: [Record], dropped: inout Int, failed: inout Int,
        tapEntry: Bool = true
    ) async -> [Record] {
        var current = records
        // ArraySlice indices are the processors' places in the pipeline: stage k+1 is what processor k gave.
        // `tapEntry` false: these records were shown at their stage already (by a batch's first half).
        if tapEntry, !taps.isEmpty { feedTaps(stage: processors.startIndex, current) }
        for (index, processor) in zip(processors.indices, processors) where !current.isEmpty {
            defer { if !taps.isEmpty { feedTaps(stage: index + 1, current) } }
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
            // A processor that only looks keeps the batch as it is (no result per record),
            // unless a recording or a shadow run wants its results.
            if let observer = processor as? any ObservingProcessor, recordings.isEmpty, shadows.isEmpty || shadows[index] == nil {
                await observer.observe(batch: current)
                continue
            }
            let results = await processor.process(batch: current)
            var next: [Record] = []
            next.reserveCapacity(current.count)
            guard results.count == current.count else {
                let error = Self.countMismatch(processor, results: results.count, inputs: current.count)
                for record in current { await fail(record, error, processor: processor.name) }
                failed += current.count
                current = []
                break
            }
            if !recordings.isEmpty { feedRecordings(processor: index, current, results) }
            if !shadows.isEmpty, let shadow = shadows[index] { shadow.offer(current, results) }
            for (record, result) in zip(current, results) {
                if result.success {
                    if result.recordCount == 0 { dropped += 1 }
                    if result.recordCount > 1 { countCreated(result.recordCount - 1) }
                    result.appendRecords(to: &next, from: record.id)
                } else {
                    await fail(record, result.error ?? Self.missingError(processor), processor: processor.name)
                    failed += 1
                }
            }
            current = next
        }
        return current
    }

    private func countCreated(_ count: Int) {
        stats.created += count
        metrics?.created.increment(by: count)
    }

    /// Routes what came out of the last processor; records whose route is wrong fail here.
    private func route(_ records: [Record], with routing: RecordRouting, failed: inout Int, unrouted: inout Int) async
        -> [Record]
    {
        guard !records.isEmpty else { return records }
        let outcome = await routing.route(records)
        unrouted += outcome.unrouted
        failed += outcome.failures.count
        for (record, error) in outcome.failures { await fail(record, error, processor: nil) }
        return outcome.routed
    }

    private func account(input: Int, output: Int, dropped: Int, failed: Int, unrouted: Int = 0) {
        stats.output += output
        stats.dropped += dropped
        stats.failed += failed
        stats.unrouted += unrouted
        if let metrics {
            metrics.recordsIn.increment(by: input)
            metrics.recordsOut.increment(by: output)
            metrics.dropped.increment(by: dropped)
            metrics.failed.increment(by: failed)
            metrics.unrouted.increment(by: unrouted)
        }
        emitter?.emit(
            .processingComplete, source: "processing",
            data: [
                "input": .integer(Int64(input)), "output": .integer(Int64(output)),
                "dropped": .integer(Int64(dropped)), "failed": .integer(Int64(failed)),
            ])
    }

    private static func countMismatch(_ processor: any Processor, results: Int, inputs: Int) -> ErrorInfo {
        ErrorInfo(
            .processing, layer: .processing, operation: "process",
            message: "processor '\(processor.name)' returned \(results) results for \(inputs) records",
            details: ["processor": .string(processor.name)])
    }

    private static func missingError(_ processor: any Processor) -> ErrorInfo {
        ErrorInfo(
            .processing, layer: .processing, operation: "process",
            message: "processor '\(processor.name)' failed without an error")
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
            stats.discarded += 1
            metrics?.discarded.increment()
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
        guard let deadLetters else {
            stats.discarded += 1
            metrics?.discarded.increment()
            return
        }
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
