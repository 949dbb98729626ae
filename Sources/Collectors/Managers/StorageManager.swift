import CollectorValues

/// Writes records to one or more backends in batches. (Seed: `IStorageManager`.)
///
/// - Routing and fan-out: every record goes to every backend, or to those
///   the `router` picks; the backends of a batch are written concurrently.
/// - Batching: a batch is written when `batchSize` records are waiting, or
///   when the oldest waiting record is `maxBatchAge` old (the flush timer,
///   started with `startFlushTimer()`), or on `flush()`.
/// - Acknowledgement: a record counts as stored by a backend only when that
///   backend's `store(batch:)` returned; `acknowledged` holds, per source,
///   the highest sequence of a batch that every backend it was routed to stored.
/// - Failures: a backend that fails does not stop the others; its error goes
///   to the error handler (retryable ones are retried per the retry policy),
///   is emitted as `.storageFailed`, and its records go to the dead-letter sink.
///
/// Writes are serialized in submission order (one batch at a time), so each
/// backend sees records in order; `submit` returns when its full batches are
/// written, which carries backpressure from slow backends up to the queue.
public actor StorageManager {
    /// Batching and retrying.
    public struct Configuration: Sendable, Hashable {
        public var batchSize: Int
        public var maxBatchAge: Duration
        public var retryPolicy: RetryPolicy

        public init(batchSize: Int = 100, maxBatchAge: Duration = .seconds(1), retryPolicy: RetryPolicy = .default) {
            self.batchSize = max(1, batchSize)
            self.maxBatchAge = maxBatchAge
            self.retryPolicy = retryPolicy
        }
    }

    /// Counters since the manager was made.
    public struct Statistics: Sendable, Hashable {
        public var received = 0
        public var batches = 0
        /// Records stored, per backend id.
        public var stored: [String: Int] = [:]
        /// Records a backend failed to store (after retries), per backend id.
        public var failed: [String: Int] = [:]
        public var retries = 0
        /// Records the router sent to no backend.
        public var unrouted = 0
    }

    /// Picks the backends (by id) for a record; `nil` means all of them, an empty set none.
    public typealias Router = @Sendable (Record) -> Set<String>?

    public let configuration: Configuration
    private let router: Router?
    private let backends: [any StorageBackend]
    private let errorHandler: any ErrorHandler
    private let deadLetters: (any DeadLetterSink)?
    private let emitter: (any EventEmitter)?
    private let clock: AnyClock
    private let metrics: PipelineMetrics?
    private let series: [String: BackendSeries]
    private var connected = false
    /// Backends whose last write failed (after retries).
    private var failing: Set<String> = []
    private var pending: [Record] = []
    private var pendingSince: AnyClock.Instant?
    private var writeChain: Task<Void, Never>?
    private var timer: Task<Void, Never>?
    private var stats = Statistics()
    private var acknowledgedBySource: [String: UInt64] = [:]
    private var lastDecision: [String: ErrorDecision] = [:]
    /// Set when the error handler decided `.stop`; the pipeline stops collecting.
    public private(set) var stopRequested = false

    public init(
        backends: [any StorageBackend],
        configuration: Configuration = Configuration(),
        errorHandler: any ErrorHandler = DefaultErrorHandler(),
        deadLetters: (any DeadLetterSink)? = nil,
        emitter: (any EventEmitter)? = nil,
        clock: some Clock<Duration> = ContinuousClock(),
        router: Router? = nil,
        metrics: PipelineMetrics? = nil
    ) {
        self.backends = backends
        self.router = router
        self.configuration = configuration
        self.errorHandler = errorHandler
        self.deadLetters = deadLetters
        self.emitter = emitter
        self.clock = AnyClock(clock)
        self.metrics = metrics
        var series: [String: BackendSeries] = [:]
        if let metrics {
            for backend in backends { series[backend.id] = metrics.backend(backend.id) }
        }
        self.series = series
    }

    public var backendIDs: [String] { backends.map(\.id) }
    public var statistics: Statistics { stats }
    /// Per source, the highest sequence of a batch stored by every backend it was routed to.
    public var acknowledged: [String: UInt64] { acknowledgedBySource }
    /// Records waiting for their batch.
    public var pendingCount: Int { pending.count }
    /// Backends whose last write failed (after retries); a later success clears it.
    public var failingBackendIDs: Set<String> { failing }

    /// Ready when the backends are connected and none is failing; otherwise why not.
    public var readiness: Readiness {
        guard connected else { return .notReady("backends are not connected") }
        return Readiness(reasons: backends.map(\.id).filter(failing.contains).map { "backend '\($0)': its last write failed" })
    }

    /// Tells the manager whether its backends are connected, for `readiness` and
    /// `collector_backend_up`: whoever connects them says so (`Pipeline` does, around a run).
    public func setConnected(_ connected: Bool) {
        self.connected = connected
        for backend in backends { updateUp(backend.id) }
    }

    /// Adds records; writes every full batch and returns when those are written.
    public func submit(_ records: [Record]) async {
        guard !records.isEmpty else { return }
        stats.received += records.count
        if pending.isEmpty { pendingSince = clock.now }
        pending.append(contentsOf: records)
        var last: Task<Void, Never>?
        while pending.count >= configuration.batchSize {
            let batch = Array(pending.prefix(configuration.batchSize))
            pending.removeFirst(configuration.batchSize)
            last = enqueueWrite(batch)
        }
        if pending.isEmpty { pendingSince = nil }
        await last?.value
    }

    /// Writes whatever is waiting and returns when every write so far has finished.
    public func flush() async {
        if !pending.isEmpty {
            let batch = pending
            pending = []
            pendingSince = nil
            _ = enqueueWrite(batch)
        }
        await writeChain?.value
    }

    /// Starts flushing by age: a waiting record is written at most about `maxBatchAge` after it came.
    public func startFlushTimer() {
        guard timer == nil else { return }
        timer = Task { [clock] in
            while !Task.isCancelled {
                let wait = self.timeUntilDue()
                do { try await clock.sleep(for: wait) } catch { return }
                await self.flushIfDue()
            }
        }
    }

    /// Stops flushing by age; records still waiting are written by `flush()` or a full batch.
    public func stopFlushTimer() {
        timer?.cancel()
        timer = nil
    }

    private func timeUntilDue() -> Duration {
        guard let since = pendingSince else { return configuration.maxBatchAge }
        return max(.zero, configuration.maxBatchAge - since.duration(to: clock.now))
    }

    private func flushIfDue() async {
        guard let since = pendingSince, since.duration(to: clock.now) >= configuration.maxBatchAge else { return }
        await flush()
    }

    /// Chains a write after the previous one, so batches reach backends in order.
    private func enqueueWrite(_ batch: [Record]) -> Task<Void, Never> {
        let previous = writeChain
        let task = Task {
            await previous?.value
            await self.write(batch)
        }
        writeChain = task
        return task
    }

    private func write(_ batch: [Record]) async {
        stats.batches += 1
        let policy = configuration.retryPolicy
        let clock = self.clock
        let parts = route(batch)
        let outcomes = await withTaskGroup(of: (String, ErrorInfo?).self) { group in
            for (backend, records) in parts where !records.isEmpty {
                let id = backend.id
                let measured = series[id]
                group.addTask {
                    let started: ContinuousClock.Instant? = measured == nil ? nil : .now
                    defer { if let started { measured?.duration.observe(.now - started) } }
                    do {
                        _ = try await withRetry(
                            policy, clock: clock, layer: .storage, name: "store",
                            shouldRetry: { await self.consult($0, backendID: id, count: records.count) },
                            onRetry: { await self.retrying($0, backendID: id) }
                        ) { try await backend.store(records: records) }
                        return (id, nil)
                    } catch {
                        return (
                            id,
                            ErrorInfo(
                                from: error, type: .storage, layer: .storage, operation: "store",
                                details: ["backend_id": .string(id), "count": .integer(Int64(records.count))])
                        )
                    }
                }
            }
            var outcomes: [(String, ErrorInfo?)] = []
            for await outcome in group { outcomes.append(outcome) }
            return outcomes
        }
        var allStored = true
        for (id, error) in outcomes {
            let records = parts.first { $0.backend.id == id }?.records ?? []
            if let error {
                allStored = false
                stats.failed[id, default: 0] += records.count
                series[id]?.failed.increment(by: records.count)
                failing.insert(id)
                emitter?.emit(.storageFailed, source: id, data: error.object)
                if lastDecision[id] == .stop { stopRequested = true }
                if let deadLetters {
                    metrics?.storageDeadLetters.increment(by: records.count)
                    for record in records { await deadLetters.deadLetter(DeadLetter(record: record, error: error)) }
                }
            } else {
                stats.stored[id, default: 0] += records.count
                series[id]?.stored.increment(by: records.count)
                failing.remove(id)
                emitter?.emit(
                    .storageComplete, source: id,
                    data: ["backend_id": .string(id), "count": .integer(Int64(records.count))])
            }
        }
        for (id, _) in outcomes { updateUp(id) }
        if allStored {
            for record in batch where record.sequence > acknowledgedBySource[record.sourceID] ?? 0 {
                acknowledgedBySource[record.sourceID] = record.sequence
            }
        }
    }

    private func updateUp(_ id: String) {
        series[id]?.up.set(connected && !failing.contains(id))
    }

    /// The records each backend gets, in batch order.
    private func route(_ batch: [Record]) -> [(backend: any StorageBackend, records: [Record])] {
        guard let router else { return backends.map { ($0, batch) } }
        let unroutedBefore = stats.unrouted
        defer { metrics?.unrouted.increment(by: stats.unrouted - unroutedBefore) }
        var parts = backends.map { (backend: $0, records: [Record]()) }
        for record in batch {
            guard let targets = router(record) else {
                for i in parts.indices { parts[i].records.append(record) }
                continue
            }
            if targets.isEmpty { stats.unrouted += 1 }
            for i in parts.indices where targets.contains(parts[i].backend.id) { parts[i].records.append(record) }
        }
        return parts
    }

    private func consult(_ error: ErrorInfo, backendID: String, count: Int) async -> Bool {
        var error = error
        if error.details["backend_id"] == nil { error.details["backend_id"] = .string(backendID) }
        if error.details["count"] == nil { error.details["count"] = .integer(Int64(count)) }
        let decision = await errorHandler.handle(error)
        lastDecision[backendID] = decision
        return decision == .retry
    }

    private func retrying(_ attempt: RetryAttempt, backendID: String) {
        stats.retries += 1
        series[backendID]?.retries.increment()
        emitter?.emit(
            .retry, source: backendID,
            data: [
                "backend_id": .string(backendID), "operation": .string("store"),
                "attempt": .integer(Int64(attempt.attempt)), "delay_seconds": .double(durationSeconds(attempt.delay)),
                "message": .string(attempt.error.message),
            ])
    }
}
