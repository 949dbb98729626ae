import CollectorValues

/// Sources → processors → backends, with bounded queues between the layers.
///
/// `run()` connects the backends (each attempt under
/// `PipelineConfiguration.connectTimeout`, retryable failures retried per
/// the retry policy; a backend that cannot connect fails the run, naming
/// it), runs the three stages concurrently, and
/// returns when the sources have ended (or `stop()` was called) and every
/// record already collected has been processed and written: stopping drains,
/// it does not drop. Cancelling `run()` is the same as `stop()`.
///
/// With a `spool`, a batch a backend could not take after its retries waits
/// there and is replayed in order when the backend is back (see
/// `StorageManager`); records an earlier run left there go first. The drain
/// includes that replay. `PipelineConfiguration.drainTimeout` bounds the
/// drain: past it, what is still being written goes to the spool, and what
/// is left in the spool stays there for the next run.
///
/// `CheckpointedSource`s (a followed file) save their position only once
/// storage has acknowledged the records before it.
///
/// With a `resumeStore`, `ResumableSource`s resume from the positions saved
/// there, and `StatefulProcessor`s that keep state are checkpointed with the
/// positions their state corresponds to (see `ResumeKeeper`): every
/// `checkpointRecords` records or `checkpointInterval`, and at the end.
///
/// ```
/// CollectionManager ─▶ BoundedQueue<CollectedData> ─▶ decode + ProcessingManager
///     ─▶ BoundedQueue<Record> ─▶ StorageManager (batches, fan-out)
/// ```
public actor Pipeline {
    /// Names the pipeline in its events.
    public nonisolated let name: String
    public let configuration: PipelineConfiguration
    /// The three layers, for inspection while running (statistics, statuses, processor reload).
    public nonisolated let collection: CollectionManager
    public nonisolated let processing: ProcessingManager
    public nonisolated let storage: StorageManager
    private let backends: [any StorageBackend]
    private let emitter: (any EventEmitter)?
    private let errorHandler: any ErrorHandler
    private nonisolated let deadLetters: (any DeadLetterSink)?
    private nonisolated let series: PipelineMetrics?
    /// Records the sources' items held, counted as they are decoded (the ledger's `read`).
    private nonisolated let readCount = Locked(0)
    private nonisolated let progress: ProgressWatch
    private let collectedQueue: BoundedQueue<CollectedData>
    private let recordQueue: BoundedQueue<Record>
    private let clock: AnyClock
    private let checkpoints = CheckpointTracker()
    /// The resume store's use, when the pipeline has one.
    private nonisolated let resume: ResumeKeeper?
    /// What the first half of processing waits for after sending a checkpoint
    /// marker; released by the second half, or when it stops.
    private nonisolated let markerTaken = Locked<OneShot<Void>?>(nil)
    /// Started when the drain begins (see `startDrainClock`).
    private var drainClock: Task<Void, Never>?
    /// `pending` until `run()`, `running` during it, then how it ended.
    public private(set) var status = TaskStatus.pending
    /// The sources given to `init`, registered when `run()` starts.
    private var pendingSources: [(any DataSource, CollectionMode)]
    /// Connecting the backends, while it lasts: `stop()` cancels it.
    private var connecting: Task<Void, any Error>?
    /// Whether `stop()` came while the backends were connecting (the run then ends cancelled).
    private var stoppedWhileConnecting = false
    /// Cluster mode: the sources are collected only under their leases (see `SourceLeases`).
    private let leases: (any SourceLeases)?

    /// - Parameters:
    ///   - sources: collected per `mode`; ids must be unique. More can be added with `add(_:mode:)`.
    ///   - errorHandler: `nil` for a `DefaultErrorHandler` that emits to `emitter`.
    ///   - deadLetters: where failed records go; `nil` drops them (they are still counted and reported).
    ///   - emitter: where the pipeline's events go, each with the pipeline's name in its data (`pipeline`).
    ///   - clock: for retry delays, intervals, the batch-age timer and the processors' timers.
    ///   - router: which backends get a record (see `StorageManager.Router`); `nil` for all.
    ///   - routing: names the backends (as outputs, in order) and routes each record
    ///     among them after processing (see `RecordRouting`); `nil`: no routing.
    ///   - metrics: where the pipeline's series go (labelled with `name`); `nil` for none, at no cost.
    ///   - spool: where batches wait that a backend could not take (queues `NAME/BACKEND`);
    ///     `nil` to dead-letter them. Pipelines may share one; the pipeline does not close it.
    ///   - leases: cluster mode: each source is collected only while this process holds its
    ///     lease (named by the pipeline's name and the source's id), and a batch's records are
    ///     stored only if their source's lease is still held (fencing); `nil`: every source.
    /// - Throws: a `.configuration` `ErrorInfo` for a duplicate source id; a `MetricsError`
    ///   if `metrics` holds one of the engine's names in another shape.
    public init(
        name: String = "pipeline",
        sources: [any DataSource] = [],
        mode: CollectionMode = .once,
        processors: [any Processor] = [],
        backends: [any StorageBackend],
        configuration: PipelineConfiguration = PipelineConfiguration(),
        errorHandler: (any ErrorHandler)? = nil,
        deadLetters: (any DeadLetterSink)? = nil,
        emitter: (any EventEmitter)? = nil,
        clock: some Clock<Duration> = ContinuousClock(),
        router: StorageManager.Router? = nil,
        routing: RecordRouting? = nil,
        metrics: MetricsRegistry? = nil,
        spool: (any Spool)? = nil,
        resumeStore: (any ResumeStore)? = nil,
        resumeScope: String? = nil,
        leases: (any SourceLeases)? = nil
    ) throws {
        resume = resumeStore.map {
            ResumeKeeper(store: $0, scope: resumeScope ?? name, interval: configuration.checkpointInterval)
        }
        self.leases = leases
        let emitter = emitter.map { PipelineEventEmitter(base: $0, pipeline: name) as any EventEmitter }
        let handler = errorHandler ?? DefaultErrorHandler(emitter: emitter)
        self.name = name
        self.configuration = configuration
        self.backends = backends
        self.emitter = emitter
        self.errorHandler = handler
        self.deadLetters = deadLetters
        self.clock = AnyClock(clock)
        progress = ProgressWatch(clock: AnyClock(clock))
        collectedQueue = BoundedQueue(capacity: configuration.itemQueueCapacity)
        // Room for two storage batches: processing goes on while one is written.
        recordQueue = BoundedQueue(capacity: max(configuration.queueCapacity, 2 * configuration.batchSize))
        let series = try metrics.map { try PipelineMetrics(registry: $0, pipeline: name) }
        self.series = series
        series?.watch(collectedQueue, named: "collected")
        series?.watch(recordQueue, named: "records")
        collection = CollectionManager(
            output: collectedQueue, maxConcurrentCollections: configuration.maxConcurrentCollections,
            retryPolicy: configuration.retryPolicy, connectTimeout: configuration.connectTimeout,
            errorHandler: handler, emitter: emitter, clock: clock, metrics: series)
        processing = ProcessingManager(
            processors: processors, routing: routing, errorHandler: handler, deadLetters: deadLetters,
            emitter: emitter, metrics: series, clock: clock)
        storage = StorageManager(
            backends: backends,
            configuration: .init(
                batchSize: configuration.batchSize, maxBatchAge: configuration.maxBatchAge,
                retryPolicy: configuration.retryPolicy, connectTimeout: configuration.connectTimeout),
            errorHandler: handler, deadLetters: deadLetters, emitter: emitter, clock: clock, router: router,
            outputs: routing?.outputs, metrics: series, spool: spool, spoolNamespace: name)
        if let routing, !routing.outputs.isEmpty, routing.outputs.count != backends.count {
            throw ErrorInfo(
                .configuration, layer: .engine, operation: "pipeline",
                message: "the routing names \(routing.outputs.count) outputs for \(backends.count) backends")
        }
        var seen = Set<String>()
        for source in sources {
            guard seen.insert(source.id).inserted else {
                throw ErrorInfo(
                    .configuration, layer: .engine, operation: "pipeline",
                    message: "a source with id '\(source.id)' is given twice")
            }
        }
        pendingSources = sources.map { ($0, mode) }
    }

    /// Records read so far (the ledger's `read`).
    public nonisolated var readSoFar: Int { readCount.withLock { $0 } }
    /// What the dead-letter sink wrote and lost so far, if it counts.
    public nonisolated var deadLetterTally: DeadLetterTally? { deadLetters?.tally }

    /// Why the pipeline looks stuck, or `nil`: while it runs, records are
    /// waiting (in its queues, or a write in flight) and none has moved on
    /// for `timeout`. An idle pipeline (nothing waiting) is not stuck. For
    /// a watchdog (`/health`): a stuck collector should be restarted.
    public nonisolated func stall(after timeout: Duration) -> String? {
        let idle = progress.idle
        let forStorage = recordQueue.count, forProcessing = collectedQueue.count
        if idle.storage >= timeout, forStorage > 0 || idle.writing {
            let what = idle.writing ? "a write in flight" + (forStorage > 0 ? " and \(forStorage) records waiting" : "") : "\(forStorage) records waiting"
            return "pipeline '\(name)': storage has made no progress for \(idle.storage.components.seconds)s with \(what)"
        }
        if idle.processing >= timeout, forProcessing > 0 {
            return "pipeline '\(name)': processing has made no progress for \(idle.processing.components.seconds)s with \(forProcessing) items waiting"
        }
        return nil
    }

    /// Adds a source before `run()`.
    public func add(_ source: any DataSource, mode: CollectionMode = .once) async throws {
        try await collection.register(source, mode: mode)
    }

    /// Runs to the end; see the type's documentation.
    public func run() async -> PipelineReport {
        guard status == .pending else { return await report(error: nil) }
        status = .running
        for (source, mode) in pendingSources {
            do { try await collection.register(source, mode: mode) } catch {
                status = .failed
                return await report(error: ErrorInfo(from: error, layer: .engine, operation: "pipeline"))
            }
        }
        pendingSources = []
        if let leases {
            do {
                try await leases.register(
                    pipeline: name, sources: await collection.sourceIDs, settle: configuration.maxBatchAge)
            } catch {
                status = .failed
                return await report(error: ErrorInfo(from: error, type: .connection, layer: .collection, operation: "cluster"))
            }
            await collection.collect(under: leases, scope: name)
            let name = self.name
            await storage.fence { [leases] sources in await leases.fenced(pipeline: name, sources: sources) }
        }
        emitter?.emit(.pipelineStarted, source: name)
        // The stages run in a task of their own, so that cancelling `run()` drains instead of dropping.
        let stages = Task { await self.runStages() }
        var error = await withTaskCancellationHandler { await stages.value } onCancel: {
            Task { await self.stop() }
        }
        // Drained: what was read under the leases is stored; others may take them at once.
        await leases?.finished(pipeline: name)
        let disconnected = await collection.statuses.values.contains(.disconnected)
        let cancelled = stoppedWhileConnecting || disconnected
        let unstored = await storage.statistics.unstoredAtDeadline
        if error == nil, unstored > 0, let timeout = configuration.drainTimeout {
            error = ErrorInfo(
                .timeout, layer: .storage, operation: "drain",
                message: "the drain deadline (\(timeout)) passed with \(unstored) records neither stored nor spooled",
                details: ["count": .integer(Int64(unstored))])
        }
        if error == nil, let failed = await collection.sourceFailure {
            // A source that failed for good fails the run: its records were never read.
            error = failed
        }
        if let tally = deadLetters?.tally, tally.lost > 0 {
            // Counted as dead letters, they would pass for kept: the run says they are lost.
            let info = Self.lostDeadLetters(tally)
            _ = await errorHandler.handle(info)
            if error == nil { error = info }
        }
        let mismatches = await report(error: nil).ledger.mismatches
        if !mismatches.isEmpty {
            let info = ErrorInfo(
                .unknown, layer: .engine, operation: "ledger",
                message: "pipeline '\(name)': its counts do not add up (a bug in the engine): "
                    + mismatches.joined(separator: "; "),
                details: ["mismatches": .array(mismatches.map { .string($0) })])
            series?.ledgerMismatches.increment(by: mismatches.count)
            _ = await errorHandler.handle(info)
            if error == nil { error = info }
        }
        if let lost = deadLetters?.tally?.lost, lost > 0 { series?.deadLettersLost.increment(by: lost) }
        if let tally = deadLetters?.tally, tally.spooled > 0, tally.lost == 0 {
            // Not lost, but not where the user looks for them either: say where they are.
            var message = "\(tally.spooled) dead letters could not be written to the dead-letter destination '\(tally.destination)' and went to the spool"
            if let reason = tally.lastError?.message { message += ": \(reason)" }
            _ = await errorHandler.handle(
                ErrorInfo(
                    .storage, layer: .storage, operation: "dead_letter", message: message,
                    details: ["backend_id": .string(tally.destination), "count": .integer(Int64(tally.spooled))],
                    isRetryable: true))
        }
        status = error != nil ? .failed : (cancelled ? .cancelled : .completed)
        let report = await report(error: error)
        emitter?.emit(
            .pipelineStopped, source: name,
            data: [
                "status": .string(status.rawValue),
                "collected": .integer(Int64(report.collection.collected)),
                "processed": .integer(Int64(report.processing.output)),
                "failed": .integer(Int64(report.processing.failed)),
            ])
        return report
    }

    /// Stops collecting; what was collected is still processed and stored
    /// (within `drainTimeout` from now). While the backends are still
    /// connecting (retrying one that is down), it stops that too: the run
    /// ends cancelled, having collected nothing.
    public func stop() async {
        connecting?.cancel()
        startDrainClock()
        await collection.stop()
    }

    private func runStages() async -> ErrorInfo? {
        // In a task of its own, so that `stop()` can cut retries of a backend that is down short.
        // The storage manager has handed every failure to the error handler.
        let connect = Task { [storage] in try await storage.connectBackends() }
        connecting = connect
        do {
            try await connect.value
            connecting = nil
        } catch {
            connecting = nil
            await collection.stop()
            if connect.isCancelled {
                stoppedWhileConnecting = true
                return nil
            }
            return ErrorInfo(from: error, type: .connection, layer: .storage, operation: "connect")
        }
        let connected = backends
        do {
            try await storage.openSpool()
        } catch {
            await collection.stop()
            let info = ErrorInfo(from: error, type: .storage, layer: .storage, operation: "spool")
            _ = await errorHandler.handle(info)
            for backend in connected { await backend.disconnect() }
            return info
        }
        await storage.setConnected(true)
        // Dead letters an earlier run could not write go first.
        await (deadLetters as? BackendDeadLetterSink)?.replaySpool()
        await storage.startFlushTimer()
        let checkpointed = await collection.checkpointedSources()
        if let resume {
            do {
                try await resume.prepare(sources: checkpointed, processors: await processing.currentProcessors)
            } catch {
                await collection.stop()
                let info = ErrorInfo(from: error, type: .storage, layer: .engine, operation: "resume")
                _ = await errorHandler.handle(info)
                await storage.stopFlushTimer()
                await storage.setConnected(false)
                for backend in connected { await backend.disconnect() }
                return info
            }
        }
        for source in checkpointed.values { await source.useCommittedCheckpoints() }
        // Checkpoints with processor state hold the positions of resumable sources: those commit nowhere else.
        let committed = resume?.checkpointsState == true ? checkpointed.filter { !($0.value is any ResumableSource) } : checkpointed
        let committer = await startCommitting(committed)
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                await self.collectStage()
                await self.startDrainClock()
            }
            group.addTask { await self.processStage(checkpointed: Set(checkpointed.keys)) }
            group.addTask { await self.storeStage() }
        }
        await storage.drainSpool()
        // Dead letters that waited for their destination: one more try before the end.
        if let sink = deadLetters as? BackendDeadLetterSink, sink.tally?.spooled ?? 0 > 0 { await sink.replaySpool() }
        await committer?.finish()
        drainClock?.cancel()
        await storage.stopFlushTimer()
        await storage.setConnected(false)
        if await storage.drainCutShort {
            // A backend stuck in a call it cannot leave (a server that does not
            // answer) would hold its disconnect too: wait a moment, not forever
            // (the process ending releases what it holds).
            for backend in connected { await Self.waitBriefly { await backend.disconnect() } }
        } else {
            for backend in connected { await backend.disconnect() }
        }
        return nil
    }

    /// Once collection has ended or `stop()` was called, the drain has
    /// `drainTimeout` to finish: then the storage manager stops waiting for
    /// writes and replays.
    private func startDrainClock() {
        guard drainClock == nil, let timeout = configuration.drainTimeout else { return }
        drainClock = Task { [clock, storage] in
            do { try await clock.sleep(for: timeout) } catch { return }
            await storage.cutShort()
        }
    }

    /// Runs `operation`, waiting for it a quarter of a second of real time at most.
    private static func waitBriefly(_ operation: @escaping @Sendable () async -> Void) async {
        let patience = DrainDeadline()
        let timer = Task {
            try? await Task.sleep(for: .milliseconds(250))
            patience.expire()
        }
        _ = await patience.race(operation)
        timer.cancel()
    }

    /// Commits the checkpoints of `sources` as storage acknowledges their items, until `finish()`.
    private func startCommitting(_ sources: [String: any CheckpointedSource]) async -> CheckpointCommitter? {
        guard !sources.isEmpty else { return nil }
        let committer = CheckpointCommitter(
            sources: sources, tracker: checkpoints, storage: storage,
            resume: resume?.checkpointsState == false ? resume : nil, errorHandler: errorHandler)
        await storage.observeAcknowledgements { committer.acknowledged() }
        return committer
    }

    private nonisolated func collectStage() async {
        await collection.run()
        collectedQueue.finish()
    }

    private nonisolated func processStage(checkpointed: Set<String>) async {
        // Two halves in two tasks (see `ProcessingManager.StagedBatch`): the
        // first processor works on the next batch while the rest finish this
        // one. A queue of one batch between them keeps them in step.
        let staged = BoundedQueue<ProcessingManager.StagedBatch>(capacity: 1)
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                await self.beginBatches(into: staged, checkpointed: checkpointed)
                staged.finish()
            }
            group.addTask {
                await self.completeBatches(from: staged)
                // Nothing more goes out: the first half stops at its next send.
                staged.close()
                // Nor waits for a checkpoint marker that will not be taken.
                self.markerTaken.withLock { $0 }?.set(())
            }
        }
        await processing.closeTaps()
        recordQueue.finish()
    }

    /// The first half: takes collected items and begins their batches; notes
    /// the checkpoints of the items of `checkpointed` sources as it numbers them.
    private nonisolated func beginBatches(
        into staged: BoundedQueue<ProcessingManager.StagedBatch>, checkpointed: Set<String>
    ) async {
        var decoder = RecordDecoder()
        let batchSize = configuration.batchSize
        // `batchSize` counts records; an item may hold one (a WebSocket
        // message) or hundreds (a run of file lines). A running estimate of
        // records per item sizes each take from the queue to about a batch.
        var recordsPerItem = 1.0
        var open = true
        // Checkpoints with processor state: where each source is, and what was read since the last one.
        let checkpointing = resume?.checkpointsState == true ? resume : nil
        var positions: [String: DataValue] = [:]
        var sinceCheckpoint = 0
        var lastCheckpoint = ContinuousClock.now
        func sendCheckpoint() async {
            guard checkpointing != nil, open else { return }
            sinceCheckpoint = 0
            lastCheckpoint = .now
            var entries: [String: DataValue] = [:]
            for (id, position) in positions { entries[ResumeKey.source(id)] = position }
            // The second half takes every processor's state when the marker
            // reaches it; this half waits for that, so that none has begun a later batch.
            let taken = OneShot<Void>()
            markerTaken.withLock { $0 = taken }
            var marker = ProcessingManager.StagedBatch(records: [], rest: [], input: 0)
            marker.checkpoint = ResumeKeeper.Pending(handed: 0, entries: entries, taken: taken)
            do { try await staged.send(marker) } catch {
                open = false
                return
            }
            _ = await taken.value()
        }
        func begin<Input>(_ inputs: [Input], _ run: ([Input]) async -> ProcessingManager.StagedBatch) async {
            var start = 0
            while open, start < inputs.count {
                let end = min(start + batchSize, inputs.count)
                let batch = await run(Array(inputs[start..<end]))
                start = end
                do {
                    try await staged.send(batch)
                } catch {
                    open = false
                }
            }
        }
        while open {
            if checkpointing != nil, sinceCheckpoint > 0,
                sinceCheckpoint >= configuration.checkpointRecords || lastCheckpoint.duration(to: .now) >= configuration.checkpointInterval
            {
                await sendCheckpoint()
            }
            // Processors' timers fire between batches, so what they give is in order with the records.
            if let ticks = await processing.beginTimers() {
                do { try await staged.send(ticks) } catch { break }
            }
            let take = max(1, min(batchSize, Int((Double(batchSize) / recordsPerItem).rounded(.up))))
            // nil: a timer is due (or changed) before any item came.
            guard let items = await processing.receive(upTo: take, from: collectedQueue) else { continue }
            if items.isEmpty {
                let failures = decoder.finish()
                for failure in failures { await processing.reportFailure(failure.record, error: failure.error) }
                readCount.withLock { $0 += failures.count }
                series?.read.increment(by: failures.count)
                // The last checkpoint: the state after every record read.
                await sendCheckpoint()
                break
            }
            progress.progressed(.processing)
            // Origins cost a reference per record: kept only for processors that read them.
            decoder.keepsOrigins = await processing.readsOrigins
            // JSON stays undecoded up to the processing manager, so that a
            // processor that decodes JSON itself (Lua) gets the bytes. Runs
            // of JSON and of other items go in turn, keeping their order.
            var documents: [JSONDocument] = []
            var records: [Record] = []
            var count = 0
            for item in items {
                defer {
                    if let checkpoint = item.checkpoint, checkpointed.contains(item.sourceID) {
                        checkpoints.add(
                            source: item.sourceID, lastSequence: decoder.lastSequence(of: item.sourceID),
                            checkpoint: checkpoint)
                        if checkpointing != nil { positions[item.sourceID] = checkpoint }
                    }
                }
                if let itemDocuments = decoder.documents(item) {
                    await begin(records) { await processing.begin(batch: $0) }
                    records = []
                    documents += itemDocuments
                    count += itemDocuments.count
                } else {
                    await begin(documents) { await processing.begin(documents: $0) }
                    documents = []
                    let (decoded, failures) = decoder.decode(item)
                    records += decoded
                    count += decoded.count + failures.count
                    for failure in failures { await processing.reportFailure(failure.record, error: failure.error) }
                }
            }
            await begin(documents) { await processing.begin(documents: $0) }
            await begin(records) { await processing.begin(batch: $0) }
            readCount.withLock { $0 += count }
            series?.read.increment(by: count)
            sinceCheckpoint += count
            recordsPerItem = 0.7 * recordsPerItem + 0.3 * max(1, Double(count) / Double(items.count))
        }
    }

    /// The second half: completes the batches in order and hands their
    /// records to storage; at the end, what the processors still give.
    private nonisolated func completeBatches(from staged: BoundedQueue<ProcessingManager.StagedBatch>) async {
        var handed = 0
        while let batch = await staged.receive() {
            if var checkpoint = batch.checkpoint, let resume {
                // Every batch before the marker went through every processor, and
                // the first half waits: their state is that at the marker's positions.
                switch await resume.states() {
                case .success(let states):
                    checkpoint.entries.merge(states) { _, state in state }
                    checkpoint.handed = handed
                    resume.enqueue(checkpoint)
                case .failure(let error):
                    _ = await errorHandler.handle(error)
                }
                checkpoint.taken?.set(())
                continue
            }
            let output = await processing.complete(batch)
            handed += output.count
            progress.progressed(.processing)
            if await processing.stopRequested { await collection.stop() }
            do {
                try await recordQueue.send(contentsOf: output)
            } catch {
                return
            }
        }
        // Draining: what processors give at the end (shutdown hooks) is stored too.
        for record in await processing.finish() {
            do { try await recordQueue.send(record) } catch { break }
        }
    }

    private nonisolated func storeStage() async {
        let batchSize = configuration.batchSize
        var received = 0
        let saver = resume.map { CheckpointSaver(resume: $0, errorHandler: errorHandler) }
        while true {
            let records = await recordQueue.receive(upTo: batchSize)
            if records.isEmpty { break }
            received += records.count
            progress.writing(true)
            await storage.submit(records)
            if let saver, let checkpoint = resume?.ready(received: received) {
                // Its records must be stored before it is: those still in a partial batch go now.
                await storage.flush()
                await saveCheckpoint(checkpoint, with: saver)
            }
            progress.writing(false)
            progress.progressed(.storage)
            if await storage.stopRequested { await collection.stop() }
        }
        progress.writing(true)
        await storage.flush()
        if let saver {
            if let checkpoint = resume?.ready(received: received) { await saveCheckpoint(checkpoint, with: saver) }
            await saver.finish()
        }
        progress.writing(false)
    }

    /// Hands on a checkpoint whose records storage has taken, unless the drain was cut short (some may not be stored).
    private nonisolated func saveCheckpoint(_ checkpoint: ResumeKeeper.Pending, with saver: CheckpointSaver) async {
        guard await !storage.drainCutShort, await storage.statistics.unstoredAtDeadline == 0 else { return }
        saver.save(checkpoint.entries)
    }

    private static func lostDeadLetters(_ tally: DeadLetterTally) -> ErrorInfo {
        var message = "\(tally.lost) dead letters could not be written to the dead-letter destination '\(tally.destination)' and are lost"
        if let reason = tally.lastError?.message { message += ": \(reason)" }
        return ErrorInfo(
            .storage, layer: .storage, operation: "dead_letter", message: message,
            details: ["backend_id": .string(tally.destination), "count": .integer(Int64(tally.lost))])
    }

    /// Records left in the spool per backend id, the dead-letter destination's too.
    private func spoolDepths() async -> [String: Int] {
        var depths = await storage.spoolDepths
        if let sink = deadLetters as? BackendDeadLetterSink {
            let held = await sink.spoolDepth()
            if held > 0 { depths["\(sink.backend.id) (dead letters)"] = held }
        }
        return depths
    }

    private func report(error: ErrorInfo?) async -> PipelineReport {
        PipelineReport(
            status: status,
            read: readCount.withLock { $0 },
            collection: await collection.statistics,
            processing: await processing.statistics,
            storage: await storage.statistics,
            acknowledged: await storage.acknowledged,
            sources: await collection.statuses,
            spooled: await spoolDepths(),
            cutShort: await storage.drainCutShort,
            error: error,
            deadLetters: deadLetters?.tally)
    }
}
