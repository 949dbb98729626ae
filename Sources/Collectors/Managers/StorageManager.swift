import CollectorValues

/// Writes records to one or more backends in batches. (Seed: `IStorageManager`;
/// see `StorageManaging`.)
///
/// - Connecting: `connectBackends()` connects them in order, each connect
///   attempt bounded by `connectTimeout` (real time); a failure that may
///   pass (a refused connection, a timeout) is retried per the retry policy,
///   one that will not (configuration, authentication) fails at once.
/// - Routing and fan-out: every record goes to every backend, or to those
///   of the outputs its `Record.route` names (with `outputs`), or to those
///   the `router` picks; the backends of a batch are written concurrently.
/// - Batching: a batch is written when `batchSize` records are waiting, or
///   when the oldest waiting record is `maxBatchAge` old (the flush timer,
///   started with `startFlushTimer()`), or on `flush()`.
/// - Acknowledgement: a record counts as stored by a backend when that
///   backend's `store(records:)` returned, or when the spool took it for
///   that backend; `acknowledged` holds, per source, the highest sequence of
///   a batch that every backend it was routed to stored or spooled.
/// - Failures: a backend that fails does not stop the others; its error goes
///   to the error handler (retryable ones are retried per the retry policy)
///   and is emitted as `.storageFailed`. Then, with a `spool`, the batch goes
///   there (unless the error is about the records themselves, `.validation`),
///   and from then on every batch of that backend goes there too, behind it,
///   until a replay has emptied the backend's queue; otherwise (and when the
///   spool cannot take it) its records go to the dead-letter sink.
/// - Replay: while a backend has records in the spool, a task tries the
///   oldest of them with backoff (per the retry policy's delays), outside the
///   write order, so a backend still down holds nothing up. Once one goes in,
///   the rest are replayed in the write order, new batches waiting behind
///   them, and the backend's batches go to it directly again.
///
/// Writes are serialized in submission order (one batch at a time), so each
/// backend sees records in order; `submit` returns when its full batches are
/// written, which carries backpressure from slow backends up to the queue.
public actor StorageManager: StorageManaging {
    /// Batching, connecting and retrying.
    public struct Configuration: Sendable, Hashable {
        public var batchSize: Int
        public var maxBatchAge: Duration
        /// For connecting and for writing.
        public var retryPolicy: RetryPolicy
        /// How long one connect attempt of a backend may take, in real time
        /// (whatever the manager's clock); `nil` for no limit.
        public var connectTimeout: Duration?

        public init(
            batchSize: Int = 100, maxBatchAge: Duration = .seconds(1), retryPolicy: RetryPolicy = .default,
            connectTimeout: Duration? = .seconds(10)
        ) {
            self.batchSize = max(1, batchSize)
            self.maxBatchAge = maxBatchAge
            self.retryPolicy = retryPolicy
            self.connectTimeout = connectTimeout
        }
    }

    /// Counters since the manager was made.
    public struct Statistics: Sendable, Hashable {
        public var received = 0
        public var batches = 0
        /// Records given to each backend (after routing), per backend id.
        public var routed: [String: Int] = [:]
        /// Records stored, per backend id (those skipped as stored already not included).
        public var stored: [String: Int] = [:]
        /// Records a backend skipped as stored already (the same record id), per backend id.
        public var skipped: [String: Int] = [:]
        /// Records a backend failed to store (after retries) that the spool did not take, per backend id
        /// (those refused when replayed from the spool included).
        public var failed: [String: Int] = [:]
        /// The part of `failed` refused when replayed from the spool, per backend id.
        public var failedInReplay: [String: Int] = [:]
        /// Connects and writes tried again.
        public var retries = 0
        /// Records the router sent to no backend.
        public var unrouted = 0
        /// Records written to the spool, per backend id.
        public var spooled: [String: Int] = [:]
        /// Records replayed from the spool into their backend, per backend id.
        public var replayed: [String: Int] = [:]
        /// Records whose write the drain deadline cut short and that no spool took.
        public var unstoredAtDeadline = 0
        /// Records handed to the dead-letter sink (those that failed to store).
        public var deadLettered = 0
        /// Records that failed to store and went to no dead-letter sink (there was none).
        public var discarded = 0
    }

    /// Picks the backends (by id) for a record; `nil` means all of them, an empty set none.
    public typealias Router = @Sendable (Record) -> Set<String>?

    public let configuration: Configuration
    private let router: Router?
    /// The output name of each backend, in order, when the pipeline names them.
    private let outputs: [String]?
    private let backends: [any StorageBackend]
    private let errorHandler: any ErrorHandler
    private let deadLetters: (any DeadLetterSink)?
    private let emitter: (any EventEmitter)?
    private let clock: AnyClock
    private let metrics: PipelineMetrics?
    private let series: [String: BackendSeries]
    private let spool: (any Spool)?
    private let spoolNamespace: String
    private let spoolSeries: [String: SpoolSeries]
    private let deadline = DrainDeadline()
    private var connected = false
    /// Backends whose last write failed (after retries).
    private var failing: Set<String> = []
    private var pending: [Record] = []
    private var pendingSince: AnyClock.Instant?
    private var writeChain: Task<Void, Never>?
    private var timer: Task<Void, Never>?
    private var stats = Statistics()
    private var acknowledgedBySource: [String: UInt64] = [:]
    private var acknowledgementObserver: (@Sendable () -> Void)?
    private var lastDecision: [String: ErrorDecision] = [:]
    /// Backends that have records in the spool: their batches go there too, behind them.
    private var spooling: Set<String> = []
    /// Records in the spool per backend, as counted here (read from the spool when it is opened).
    private var depth: [String: Int] = [:]
    private var replayers: [String: Task<Void, Never>] = [:]
    /// Set when the error handler decided `.stop`; the pipeline stops collecting.
    public private(set) var stopRequested = false

    /// - Parameters:
    ///   - outputs: the output name of each backend, in order: a record whose
    ///     `route` is set goes to the backends of the outputs it names.
    ///   - spool: where a batch goes that a backend could not take; `nil` for the dead-letter sink.
    ///   - spoolNamespace: the start of this manager's queue names in the spool
    ///     (`NAMESPACE/BACKEND`), so that pipelines can share one; a `Pipeline` gives its name.
    public init(
        backends: [any StorageBackend],
        configuration: Configuration = Configuration(),
        errorHandler: any ErrorHandler = DefaultErrorHandler(),
        deadLetters: (any DeadLetterSink)? = nil,
        emitter: (any EventEmitter)? = nil,
        clock: some Clock<Duration> = ContinuousClock(),
        router: Router? = nil,
        outputs: [String]? = nil,
        metrics: PipelineMetrics? = nil,
        spool: (any Spool)? = nil,
        spoolNamespace: String = ""
    ) {
        self.backends = backends
        self.router = router
        self.outputs = outputs.flatMap { $0.count == backends.count ? $0 : nil }
        self.configuration = configuration
        self.errorHandler = errorHandler
        self.deadLetters = deadLetters
        self.emitter = emitter
        self.clock = AnyClock(clock)
        self.metrics = metrics
        self.spool = spool
        self.spoolNamespace = spoolNamespace
        var series: [String: BackendSeries] = [:]
        var spoolSeries: [String: SpoolSeries] = [:]
        if let metrics {
            for backend in backends {
                series[backend.id] = metrics.backend(backend.id)
                if spool != nil { spoolSeries[backend.id] = metrics.spool(backend.id) }
            }
        }
        self.series = series
        self.spoolSeries = spoolSeries
    }

    public var backendIDs: [String] { backends.map(\.id) }
    public var statistics: Statistics { stats }
    /// Per source, the highest sequence of a batch stored (or spooled) by every backend it was routed to.
    public var acknowledged: [String: UInt64] { acknowledgedBySource }
    /// Records waiting for their batch.
    public var pendingCount: Int { pending.count }
    /// Backends whose last write failed (after retries); a later success clears it.
    public var failingBackendIDs: Set<String> { failing }
    /// Records in the spool per backend id (backends with none left out).
    public var spoolDepths: [String: Int] { depth.filter { $0.value > 0 } }
    /// Whether the drain deadline has passed (`cutShort()`).
    public var drainCutShort: Bool { deadline.isExpired }

    /// Ready when the backends are connected and none is failing; otherwise why not.
    public var readiness: Readiness {
        guard connected else { return .notReady("backends are not connected") }
        return Readiness(
            reasons: backends.map(\.id).filter(failing.contains).map { id in
                let held = depth[id] ?? 0
                return "backend '\(id)': its last write failed" + (held > 0 ? " (\(held) records in the spool)" : "")
            })
    }

    /// The ids of the backends `record` goes to, in backend order: all of
    /// them, or those the router picks (none when it picks an empty set).
    public func backendIDs(for record: Record) -> [String] {
        if let outputs, let names = record.route {
            return zip(backends, outputs).filter { names.contains($0.1) }.map(\.0.id)
        }
        guard let targets = router?(record) else { return backendIDs }
        return backendIDs.filter(targets.contains)
    }

    /// Connects every backend, in order, before the first write.
    ///
    /// Each attempt may take `connectTimeout`, in real time (a backend that
    /// honours cancellation is cut off then; one blocked in a call that
    /// ignores it is waited for). Every failure goes to the error handler;
    /// one that may pass (`isRetryable`: a refused connection, a timeout) is
    /// retried per the retry policy when the handler says `.retry`, each
    /// retry emitted as `.retry`. One that will not pass (configuration,
    /// authentication) fails at once. When a backend cannot connect, it and
    /// those already connected are disconnected again.
    /// - Throws: an `ErrorInfo` whose message names the backend ("backend
    ///   'pg' could not connect: ...") and whose details hold `backend_id`
    ///   and `attempts`; `.cancelled` if the calling task is cancelled.
    public func connectBackends() async throws {
        var connected: [any StorageBackend] = []
        for backend in backends {
            do {
                try await connect(backend)
            } catch {
                await backend.disconnect()
                for backend in connected { await backend.disconnect() }
                throw error
            }
            connected.append(backend)
        }
    }

    private func connect(_ backend: any StorageBackend) async throws(ErrorInfo) {
        let id = backend.id
        let timeout = configuration.connectTimeout
        do {
            try await withRetry(
                configuration.retryPolicy, clock: clock, layer: .storage, name: "connect",
                shouldRetry: { await self.consult($0, backendID: id) },
                onRetry: { await self.retrying($0, backendID: id, operation: "connect") }
            ) {
                try await withConnectTimeout(timeout, layer: .storage) { try await backend.connect() }
            }
        } catch {
            var info = ErrorInfo(
                from: error, type: .connection, layer: .storage, operation: "connect",
                details: ["backend_id": .string(id)])
            if info.type != .cancelled { info.message = "backend '\(id)' could not connect: \(info.message)" }
            throw info
        }
    }

    /// Tells the manager whether its backends are connected, for `readiness` and
    /// `collector_backend_up`: whoever connects them says so (`Pipeline` does, around a run).
    public func setConnected(_ connected: Bool) {
        self.connected = connected
        for backend in backends { updateUp(backend.id) }
    }

    /// Calls `observer` (synchronously, so it must be quick) whenever `acknowledged` moves on.
    public func observeAcknowledgements(_ observer: @escaping @Sendable () -> Void) {
        acknowledgementObserver = observer
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

    // MARK: - The spool

    /// Looks in the spool for records an earlier run left for these backends:
    /// their backends' batches go behind them, and their replay starts. Call it
    /// once the backends are connected, before the first write.
    /// - Throws: the spool's error when it cannot be read (a damaged file).
    public func openSpool() async throws {
        guard let spool else { return }
        let held = try await spool.depths()
        let ours = Set(backends.map { queue(for: $0.id) })
        for backend in backends {
            let count = held[queue(for: backend.id)] ?? 0
            setDepth(backend.id, count)
            if count > 0 {
                spooling.insert(backend.id)
                startReplayer(backend.id)
            }
        }
        // Records of a backend this pipeline no longer has stay where they are: say so.
        let prefix = spoolNamespace.isEmpty ? "" : spoolNamespace + "/"
        for (name, count) in held.sorted(by: { $0.key < $1.key }) where name.hasPrefix(prefix) && !ours.contains(name) {
            _ = await errorHandler.handle(
                ErrorInfo(
                    .configuration, layer: .storage, operation: "spool",
                    message: "the spool holds \(count) records for '\(name)', which is not a backend of this pipeline: they stay there",
                    details: ["queue": .string(name), "count": .integer(Int64(count))]))
        }
    }

    /// Waits until every backend's records are out of the spool, or the drain
    /// deadline has passed (`cutShort()`); what is left stays for the next run.
    public func drainSpool() async {
        while let (id, replayer) = replayers.first {
            await replayer.value
            if replayers[id] == replayer { replayers[id] = nil }
        }
    }

    /// The drain deadline has passed: writes and replays in progress are no
    /// longer waited for, and every batch from now on (those cut short
    /// included) goes to the spool (or, without one, to the dead-letter sink).
    public func cutShort() {
        deadline.expire()
    }

    private func queue(for backendID: String) -> String {
        spoolNamespace.isEmpty ? backendID : "\(spoolNamespace)/\(backendID)"
    }

    private func setDepth(_ id: String, _ value: Int) {
        depth[id] = max(0, value)
        spoolSeries[id]?.depth.set(Double(max(0, value)))
    }

    /// Whether a batch that failed with `error` may wait in the spool: not
    /// when the records themselves are wrong, which no later try would change.
    private static func spoolable(_ error: ErrorInfo) -> Bool {
        error.type != .validation
    }

    /// Whether a batch of several records that failed with `error` is stored
    /// again one record at a time (the backend refused what a record holds).
    private static func splits(_ error: ErrorInfo) -> Bool { !spoolable(error) }

    // MARK: - Writing

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

    /// Runs `body` in the write order: after every write enqueued so far, before any enqueued later.
    private func inWriteOrder<T: Sendable>(_ body: @escaping @Sendable () async -> T) async -> T {
        let previous = writeChain
        let task = Task {
            await previous?.value
            return await body()
        }
        writeChain = Task { _ = await task.value }
        return await task.value
    }

    /// How one backend's share of a batch ended.
    private enum Outcome: Sendable {
        /// Written: `stored` new, `skipped` stored before (same record id).
        case stored(stored: Int, skipped: Int)
        /// In the spool, because of `reason`; `failure` is the backend's, if it failed.
        case spooled(reason: String, failure: ErrorInfo?)
        case failed(ErrorInfo)
        /// The batch was refused for what some of its records hold: stored one
        /// by one, `stored` of them went in and `failures` did not.
        case split(stored: Int, skipped: Int, failures: [(record: Record, error: ErrorInfo)])
    }

    /// Why a batch goes to the spool without being tried.
    private enum Bypass {
        case behindOthers
        case cutShort
    }

    private func write(_ batch: [Record]) async {
        stats.batches += 1
        let policy = configuration.retryPolicy
        let clock = self.clock
        let deadline = self.deadline
        let parts = route(batch)
        for (backend, records) in parts where !records.isEmpty {
            stats.routed[backend.id, default: 0] += records.count
            series[backend.id]?.routed.increment(by: records.count)
        }
        let direct = parts.map { !spooling.contains($0.backend.id) }
        let outcomes = await withTaskGroup(of: (String, Outcome).self) { group in
            for ((backend, records), direct) in zip(parts, direct) where !records.isEmpty {
                let id = backend.id
                guard direct, !deadline.isExpired else {
                    let bypass = direct ? Bypass.cutShort : .behindOthers
                    group.addTask { (id, await self.toSpool(records, backendID: id, bypass: bypass)) }
                    continue
                }
                let measured = series[id]
                group.addTask {
                    let started: ContinuousClock.Instant? = measured == nil ? nil : .now
                    let result = await deadline.race { () async -> Result<StoredBatch, ErrorInfo> in
                        do {
                            return .success(
                                try await withRetry(
                                    policy, clock: clock, layer: .storage, name: "store",
                                    shouldRetry: { await self.consult($0, backendID: id, count: records.count) },
                                    onRetry: { await self.retrying($0, backendID: id) }
                                ) { try await backend.store(records: records) })
                        } catch {
                            return .failure(
                                ErrorInfo(
                                    from: error, type: .storage, layer: .storage, operation: "store",
                                    details: ["backend_id": .string(id), "count": .integer(Int64(records.count))]))
                        }
                    }
                    if let started { measured?.duration.observe(.now - started) }
                    switch result {
                    case .some(.success(let written)): return (id, .stored(stored: written.count, skipped: written.skipped))
                    case .some(.failure(let error)):
                        guard Self.spoolable(error) else {
                            // A record the backend refuses (a value its column cannot hold)
                            // fails alone: the others of its batch are stored.
                            guard records.count > 1 else { return (id, .failed(error)) }
                            return (id, await Self.storeOneByOne(records, in: backend, deadline: deadline))
                        }
                        return (id, await self.toSpool(records, backendID: id, failure: error))
                    case .none:
                        return (id, await self.toSpool(records, backendID: id, bypass: .cutShort))
                    }
                }
            }
            var outcomes: [(String, Outcome)] = []
            for await outcome in group { outcomes.append(outcome) }
            return outcomes
        }
        var allStored = true
        for (id, outcome) in outcomes {
            let records = parts.first { $0.backend.id == id }?.records ?? []
            switch outcome {
            case .stored(let stored, let skipped):
                countStored(id, stored: stored, skipped: skipped)
                failing.remove(id)
                emitter?.emit(
                    .storageComplete, source: id,
                    data: ["backend_id": .string(id), "count": .integer(Int64(stored))])
            case .spooled(let reason, let failure):
                if let failure { backendFailed(id, error: failure) }
                stats.spooled[id, default: 0] += records.count
                spoolSeries[id]?.spooled.increment(by: records.count)
                setDepth(id, (depth[id] ?? 0) + records.count)
                emitter?.emit(
                    .spooled, source: id,
                    data: [
                        "backend_id": .string(id), "count": .integer(Int64(records.count)),
                        "depth": .integer(Int64(depth[id] ?? 0)),
                        "reason": .string(reason),
                    ])
                if !spooling.contains(id) {
                    spooling.insert(id)
                    startReplayer(id)
                }
            case .failed(let error):
                allStored = false
                backendFailed(id, error: error)
                stats.failed[id, default: 0] += records.count
                series[id]?.failed.increment(by: records.count)
                if deadline.isExpired { stats.unstoredAtDeadline += records.count }
                await deadLetter(records, error: error)
            case .split(let stored, let skipped, let failures):
                for failure in failures { _ = await consult(failure.error, backendID: id, count: 1) }
                countStored(id, stored: stored, skipped: skipped)
                if stored > 0 {
                    emitter?.emit(
                        .storageComplete, source: id,
                        data: ["backend_id": .string(id), "count": .integer(Int64(stored))])
                }
                guard let first = failures.first else { break }
                allStored = false
                backendFailed(id, error: first.error)
                stats.failed[id, default: 0] += failures.count
                series[id]?.failed.increment(by: failures.count)
                for failure in failures { await deadLetter([failure.record], error: failure.error) }
            }
        }
        for (id, _) in outcomes { updateUp(id) }
        if allStored {
            var moved = false
            for record in batch where record.sequence > acknowledgedBySource[record.sourceID] ?? 0 {
                acknowledgedBySource[record.sourceID] = record.sequence
                moved = true
            }
            if moved { acknowledgementObserver?() }
        }
    }

    private func backendFailed(_ id: String, error: ErrorInfo) {
        failing.insert(id)
        emitter?.emit(.storageFailed, source: id, data: error.object)
        if lastDecision[id] == .stop { stopRequested = true }
    }

    private func countStored(_ id: String, stored: Int, skipped: Int) {
        stats.stored[id, default: 0] += stored
        series[id]?.stored.increment(by: stored)
        guard skipped != 0 else { return }
        stats.skipped[id, default: 0] += skipped
        series[id]?.skipped.increment(by: skipped)
    }

    private func deadLetter(_ records: [Record], error: ErrorInfo) async {
        guard let deadLetters else {
            stats.discarded += records.count
            metrics?.discarded.increment(by: records.count)
            return
        }
        stats.deadLettered += records.count
        metrics?.storageDeadLetters.increment(by: records.count)
        for record in records { await deadLetters.deadLetter(DeadLetter(record: record, error: error)) }
    }

    /// Stores each record in a batch of its own (after the backend refused
    /// the whole batch for what it holds): which records go in, and why each
    /// other one does not. Ids make a record stored before harmless to store
    /// again. Past the drain deadline, the rest fail with the batch's error.
    private static func storeOneByOne(
        _ records: [Record], in backend: any StorageBackend, deadline: DrainDeadline
    ) async -> Outcome {
        var stored = 0, skipped = 0
        var failures: [(record: Record, error: ErrorInfo)] = []
        for record in records {
            do {
                guard !deadline.isExpired else { throw cutShortError(backendID: backend.id, count: 1) }
                let written = try await backend.store(records: [record])
                stored += written.count
                skipped += written.skipped
            } catch {
                var info = ErrorInfo(
                    from: error, type: .storage, layer: .storage, operation: "store",
                    details: ["backend_id": .string(backend.id), "count": 1])
                info.details["sequence"] = .integer(Int64(bitPattern: record.sequence))
                info.details["source_id"] = .string(record.sourceID)
                failures.append((record, info))
            }
        }
        // Each refused record's error says what became of the rest of its batch.
        let note = " (stored record by record after its batch of \(records.count) was refused: \(stored + skipped) of \(records.count) stored)"
        for index in failures.indices { failures[index].error.message += note }
        return .split(stored: stored, skipped: skipped, failures: failures)
    }

    /// Appends a batch the backend failed to the spool; without one, or when
    /// it cannot take them, the records fail with why.
    private func toSpool(_ records: [Record], backendID id: String, failure: ErrorInfo) async -> Outcome {
        await toSpool(records, backendID: id, reason: failure.message, failure: failure)
    }

    /// Appends a batch that was not tried to the spool.
    private func toSpool(_ records: [Record], backendID id: String, bypass: Bypass) async -> Outcome {
        switch bypass {
        case .behindOthers:
            return await toSpool(records, backendID: id, reason: "older records of this backend are in the spool", failure: nil)
        case .cutShort:
            let error = Self.cutShortError(backendID: id, count: records.count)
            return await toSpool(records, backendID: id, reason: error.message, failure: spool == nil ? error : nil)
        }
    }

    private func toSpool(_ records: [Record], backendID id: String, reason: String, failure: ErrorInfo?) async -> Outcome {
        guard let spool else {
            return .failed(failure ?? Self.cutShortError(backendID: id, count: records.count))
        }
        do {
            try await spool.append(records, to: queue(for: id))
            return .spooled(reason: reason, failure: failure)
        } catch {
            var info = ErrorInfo(
                from: error, type: .storage, layer: .storage, operation: "spool",
                details: ["backend_id": .string(id), "count": .integer(Int64(records.count))])
            info.message += " (\(reason))"
            spoolSeries[id]?.rejected.increment(by: records.count)
            emitter?.emit(.spoolFull, source: id, data: info.object)
            _ = await errorHandler.handle(info)
            return .failed(info)
        }
    }

    private static func cutShortError(backendID: String, count: Int) -> ErrorInfo {
        ErrorInfo(
            .timeout, layer: .storage, operation: "store",
            message: "the drain deadline passed before backend '\(backendID)' stored \(count) records",
            details: ["backend_id": .string(backendID), "count": .integer(Int64(count))], isRetryable: true)
    }

    // MARK: - Replaying

    /// How one replay step ended.
    private enum ReplayStep: Sendable {
        /// Records went in (or, refused for good, to the dead-letter sink): there may be more.
        case progressed
        /// The backend's queue is empty.
        case empty
        case failed
    }

    private func startReplayer(_ id: String) {
        guard replayers[id] == nil, let backend = backends.first(where: { $0.id == id }) else { return }
        replayers[id] = Task { await self.replay(backend) }
    }

    /// Tries the oldest spooled records with backoff, outside the write order
    /// (new batches keep going to the spool meanwhile); once they go in,
    /// replays the rest in the write order, new batches waiting, and ends
    /// when the queue is empty there (so no batch can slip in between).
    private func replay(_ backend: any StorageBackend) async {
        let id = backend.id
        var failures = 0
        while !deadline.isExpired {
            let probe = await replayStep(backend)
            if case .failed = probe {
                failures += 1
                let delay = configuration.retryPolicy.delay(forRetry: min(failures, 30))
                await deadline.sleep(for: delay, clock: clock)
                continue
            }
            failures = 0
            let finished = await inWriteOrder { () async -> Bool in
                while true {
                    switch await self.replayStep(backend) {
                    case .progressed: continue
                    case .failed: return false
                    case .empty:
                        await self.stopSpooling(id)
                        return true
                    }
                }
            }
            if finished { break }
        }
        replayers[id] = nil
    }

    private func stopSpooling(_ id: String) {
        spooling.remove(id)
        setDepth(id, 0)
    }

    /// Stores the oldest spooled records of a backend (one batch) and removes them from the spool.
    private func replayStep(_ backend: any StorageBackend) async -> ReplayStep {
        guard let spool, !deadline.isExpired else { return .failed }
        let id = backend.id
        let queue = queue(for: id)
        let batch: SpooledBatch
        do {
            batch = try await spool.oldest(in: queue, limit: configuration.batchSize)
        } catch {
            _ = await errorHandler.handle(ErrorInfo(from: error, layer: .storage, operation: "spool"))
            return .failed
        }
        if batch.isEmpty { return .empty }
        let records = batch.records
        let outcome = await deadline.race { () async -> ErrorInfo? in
            do {
                _ = try await backend.store(records: records)
                return nil
            } catch {
                return ErrorInfo(
                    from: error, type: .storage, layer: .storage, operation: "replay",
                    details: ["backend_id": .string(id), "count": .integer(Int64(records.count))])
            }
        }
        guard let outcome else { return .failed }
        if let error = outcome {
            // A refused batch of several records is split below: its refused records are reported then.
            if records.count == 1 || !Self.splits(error) { _ = await errorHandler.handle(error) }
            guard !Self.spoolable(error) else {
                backendFailed(id, error: error)
                updateUp(id)
                return .failed
            }
            // Refused for good: replaying them again would block the queue
            // forever. Stored one by one, only the refused records fail.
            var failures = [(record: Record, error: ErrorInfo)]()
            if records.count > 1,
                case .split(let stored, let skipped, let refused) = await Self.storeOneByOne(
                    records, in: backend, deadline: deadline)
            {
                stats.replayed[id, default: 0] += stored + skipped
                spoolSeries[id]?.replayed.increment(by: stored + skipped)
                failures = refused
                for failure in refused { _ = await errorHandler.handle(failure.error) }
            } else {
                failures = records.map { ($0, error) }
            }
            stats.failed[id, default: 0] += failures.count
            stats.failedInReplay[id, default: 0] += failures.count
            series[id]?.failed.increment(by: failures.count)
            for failure in failures { await deadLetter([failure.record], error: failure.error) }
        } else {
            stats.replayed[id, default: 0] += records.count
            spoolSeries[id]?.replayed.increment(by: records.count)
            failing.remove(id)
            updateUp(id)
        }
        do {
            try await spool.remove(through: batch.mark, from: queue)
        } catch {
            _ = await errorHandler.handle(ErrorInfo(from: error, layer: .storage, operation: "spool"))
            return .failed
        }
        setDepth(id, (depth[id] ?? 0) - records.count)
        if outcome == nil {
            emitter?.emit(
                .replayed, source: id,
                data: [
                    "backend_id": .string(id), "count": .integer(Int64(records.count)),
                    "depth": .integer(Int64(depth[id] ?? 0)),
                ])
        }
        return .progressed
    }

    // MARK: - Helpers

    private func updateUp(_ id: String) {
        series[id]?.up.set(connected && !failing.contains(id))
    }

    /// The records each backend gets, in batch order.
    private func route(_ batch: [Record]) -> [(backend: any StorageBackend, records: [Record])] {
        // Without routing, or a batch none of whose records was routed, every backend takes it all.
        let byOutput = outputs != nil && batch.contains { $0.route != nil }
        guard router != nil || byOutput else { return backends.map { ($0, batch) } }
        let unroutedBefore = stats.unrouted
        defer { metrics?.unrouted.increment(by: stats.unrouted - unroutedBefore) }
        var parts = backends.map { (backend: $0, records: [Record]()) }
        for record in batch {
            if byOutput, let outputs, let names = record.route {
                for i in parts.indices where names.contains(outputs[i]) { parts[i].records.append(record) }
                continue
            }
            guard let targets = router?(record) else {
                for i in parts.indices { parts[i].records.append(record) }
                continue
            }
            if targets.isEmpty { stats.unrouted += 1 }
            for i in parts.indices where targets.contains(parts[i].backend.id) { parts[i].records.append(record) }
        }
        return parts
    }

    /// Hands a failure to the error handler; `true` when it asks for a retry.
    /// `count`: the records of the write that failed (`nil` for a connect).
    private func consult(_ error: ErrorInfo, backendID: String, count: Int? = nil) async -> Bool {
        // A batch refused for what a record holds is stored again record by
        // record: the handler hears of each record refused then, not of the
        // batch (nothing of it stored, dead-lettered), which is not what happens.
        if let count, count > 1, Self.splits(error) { return false }
        var error = error
        if error.details["backend_id"] == nil { error.details["backend_id"] = .string(backendID) }
        if let count, error.details["count"] == nil { error.details["count"] = .integer(Int64(count)) }
        let decision = await errorHandler.handle(error)
        lastDecision[backendID] = decision
        return decision == .retry
    }

    private func retrying(_ attempt: RetryAttempt, backendID: String, operation: String = "store") {
        stats.retries += 1
        series[backendID]?.retries.increment()
        emitter?.emit(
            .retry, source: backendID,
            data: [
                "backend_id": .string(backendID), "operation": .string(operation),
                "attempt": .integer(Int64(attempt.attempt)), "delay_seconds": .double(durationSeconds(attempt.delay)),
                "message": .string(attempt.error.message),
            ])
    }
}
