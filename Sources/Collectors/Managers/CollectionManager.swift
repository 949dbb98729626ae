import CollectorValues

/// Runs the data sources: connects them, collects per their `CollectionMode`,
/// and sends what they collect into a bounded queue. (Seed: `ICollectionManager`;
/// see `CollectionManaging`.)
///
/// An actor: registrations, statuses and counters are its state. Collection
/// itself runs in child tasks; at most `maxConcurrentCollections` `collect()`
/// calls run at once (streams do not take a permit: they mostly wait).
/// Failures go to the error handler; retryable ones are retried per the
/// retry policy (each retry is emitted as a `.retry` event). Each connect
/// attempt may take `connectTimeout` (real time); one that takes longer is
/// cancelled and fails with a retryable `.timeout`. A source stops
/// on a critical error or a `.stop` decision; otherwise a failed collection
/// is skipped and an interval source goes on.
public actor CollectionManager: CollectionManaging {
    /// Counters over all sources.
    public struct Statistics: Sendable, Hashable {
        /// Items sent into the output queue.
        public var collected = 0
        /// Collections that failed for good (after retries).
        public var failed = 0
        /// Collections that found nothing new (`SourceUnchanged`: an HTTP 304): not failures.
        public var unchanged = 0
        public var retries = 0
        public var bytes = 0
    }

    private struct Registration {
        var source: any DataSource
        var mode: CollectionMode
    }

    public nonisolated let output: BoundedQueue<CollectedData>
    public let retryPolicy: RetryPolicy
    /// How long one connect attempt may take (real time); `nil` for no limit.
    public let connectTimeout: Duration?
    private let errorHandler: any ErrorHandler
    private let emitter: (any EventEmitter)?
    private let clock: AnyClock
    private let limiter: AsyncSemaphore
    private let metrics: PipelineMetrics?
    private var series: [String: SourceSeries] = [:]
    private var registrations: [Registration] = []
    private var statusByID: [String: CollectionStatus] = [:]
    private var lastDecision: [String: ErrorDecision] = [:]
    private var failureByID: [String: ErrorInfo] = [:]
    /// Sources retrying now (a connect, a collection, a reconnect), with why; cleared by their next item.
    private var retryNote: [String: String] = [:]
    /// Items each source delivered (a stream's progress between failures).
    private var deliveredByID: [String: Int] = [:]
    private var stats = Statistics()
    private var runTask: Task<Void, Never>?
    private var stopped = false
    /// Cluster mode: a source is collected only while its lease is held (see `SourceLeases`).
    private var leases: (any SourceLeases)?
    /// The pipeline the sources' leases are named by.
    private var leaseScope = ""
    /// The lease each source is collected under now.
    private var heldLeases: [String: SourceLease] = [:]

    public init(
        output: BoundedQueue<CollectedData>,
        maxConcurrentCollections: Int = 4,
        retryPolicy: RetryPolicy = .default,
        connectTimeout: Duration? = .seconds(10),
        errorHandler: any ErrorHandler = DefaultErrorHandler(),
        emitter: (any EventEmitter)? = nil,
        clock: some Clock<Duration> = ContinuousClock(),
        metrics: PipelineMetrics? = nil
    ) {
        self.output = output
        self.metrics = metrics
        self.retryPolicy = retryPolicy
        self.connectTimeout = connectTimeout
        self.errorHandler = errorHandler
        self.emitter = emitter
        self.clock = AnyClock(clock)
        limiter = AsyncSemaphore(permits: maxConcurrentCollections)
    }

    /// Adds a source; its id must be new.
    /// - Throws: a `.configuration` `ErrorInfo` for a duplicate id.
    public func register(_ source: any DataSource, mode: CollectionMode = .once) throws {
        guard statusByID[source.id] == nil else {
            throw ErrorInfo(
                .configuration, layer: .collection, operation: "register",
                message: "a source with id '\(source.id)' is already registered", details: ["source_id": .string(source.id)])
        }
        registrations.append(Registration(source: source, mode: mode))
        statusByID[source.id] = .idle
        series[source.id] = metrics?.source(source.id)
    }

    public var sourceIDs: [String] { registrations.map(\.source.id) }

    /// Collects each source only while this process holds its lease in
    /// `leases` (named by `scope`, the pipeline); set before `run()`.
    public func collect(under leases: any SourceLeases, scope: String) {
        self.leases = leases
        leaseScope = scope
    }

    /// The token of the lease `sourceID` is collected under now; `nil` when none is held.
    public func leaseToken(of sourceID: String) -> Int64? { heldLeases[sourceID]?.token }

    /// The registered sources that resume where storage acknowledged, by id.
    func checkpointedSources() -> [String: any CheckpointedSource] {
        var sources: [String: any CheckpointedSource] = [:]
        for registration in registrations {
            if let source = registration.source as? any CheckpointedSource { sources[source.id] = source }
        }
        return sources
    }
    public func status(of sourceID: String) -> CollectionStatus? { statusByID[sourceID] }
    public var statuses: [String: CollectionStatus] { statusByID }
    public var statistics: Statistics { stats }

    /// Why each source whose status is `.failed` failed: the error that
    /// ended it, or, for an interval source, its last failed collection.
    public var failures: [String: ErrorInfo] {
        failureByID.filter { statusByID[$0.key] == .failed }
    }

    /// The first failed source (in registration order) as one error naming it, for a run's report.
    public var sourceFailure: ErrorInfo? {
        let failed = failures
        guard let first = registrations.first(where: { failed[$0.source.id] != nil }) else { return nil }
        let id = first.source.id
        var info = failed[id]!
        info.details["source_id"] = .string(id)
        info.message = "source '\(id)' failed: \(info.message)"
        if failed.count > 1 { info.details["failed_sources"] = .integer(Int64(failed.count)) }
        return info
    }

    /// Ready while every source is connected (or collecting, or done); otherwise
    /// one reason per source that is not yet connected, failed or was disconnected.
    public var readiness: Readiness {
        var reasons: [String] = []
        for registration in registrations {
            let id = registration.source.id
            // Cluster mode: a source whose lease another process holds is not this one's to collect.
            if leases != nil, heldLeases[id] == nil { continue }
            switch statusByID[id] ?? .idle {
            case .connected, .collecting, .completed:
                if let note = retryNote[id] { reasons.append("source '\(id)' is retrying: \(note)") }
            case .idle, .connecting:
                reasons.append("source '\(id)' is not connected yet" + (retryNote[id].map { " (retrying: \($0))" } ?? ""))
            case .failed:
                reasons.append("source '\(id)' failed" + (failureByID[id].map { ": \($0.message)" } ?? ""))
            case .disconnected: reasons.append("source '\(id)' is disconnected")
            }
        }
        return Readiness(reasons: reasons)
    }

    /// Runs every registered source until all have ended or `stop()` is called.
    /// Does not finish `output`: several producers may share it. Returns at once
    /// if the manager is already running or was stopped.
    public func run() async {
        guard !stopped, runTask == nil else { return }
        let registrations = self.registrations
        let leases = self.leases
        let task = Task {
            await withTaskGroup(of: Void.self) { group in
                for registration in registrations {
                    if let leases {
                        group.addTask { await self.runLeased(registration, leases: leases) }
                    } else {
                        group.addTask { await self.run(registration) }
                    }
                }
            }
        }
        runTask = task
        await withTaskCancellationHandler { await task.value } onCancel: { task.cancel() }
        runTask = nil
    }

    /// Stops collecting: running collections are cancelled, sources disconnected.
    /// A stopped manager stays stopped.
    public func stop() {
        stopped = true
        runTask?.cancel()
    }

    // MARK: - One source

    /// Cluster mode: waits for the source's lease, collects while it is
    /// held, and stops the source at once when it is lost; then waits to
    /// win it again. A source that ended by itself stays ended.
    private func runLeased(_ registration: Registration, leases: any SourceLeases) async {
        let id = registration.source.id
        while !stopped, !Task.isCancelled {
            guard let lease = await leases.acquire(pipeline: leaseScope, source: id) else { break }
            guard !stopped, !Task.isCancelled else {
                lease.markStopped()
                break
            }
            heldLeases[id] = lease
            let endedByItself = await withTaskGroup(of: Bool.self) { group in
                group.addTask {
                    await SourceLease.$current.withValue(lease) { await self.run(registration, lease: lease) }
                    return true
                }
                group.addTask { await lease.lost(); return false }
                let first = await group.next() ?? true
                group.cancelAll()
                return first && lease.isHeld
            }
            heldLeases[id] = nil
            lease.markStopped()
            if endedByItself { break }
            emitter?.emit(
                .sourceStatusChanged, source: id,
                data: ["source_id": .string(id), "from": .string("leased"), "to": .string("lease_lost"),
                       "token": .integer(lease.token)])
        }
    }

    private func run(_ registration: Registration, lease: SourceLease? = nil) async {
        let source = registration.source
        let id = source.id
        setStatus(id, .connecting)
        var final = CollectionStatus.completed
        do {
            try await withCleanup(
                connect: { [self] in
                    try await withRetry(
                        retryPolicy, clock: clock, layer: .collection, name: "connect",
                        shouldRetry: { await self.consult($0, sourceID: id) },
                        onRetry: { await self.retrying($0, sourceID: id) }
                    ) { [connectTimeout] in
                        try await withConnectTimeout(connectTimeout, layer: .collection) { try await source.connect() }
                    }
                },
                disconnect: { await source.disconnect() }
            ) {
                retryNote[id] = nil
                setStatus(id, .connected)
                switch registration.mode {
                case .once:
                    if try await !collectOnce(source) { final = .failed }
                case .interval(let every, let count):
                    var done = 0
                    while !Task.isCancelled, count.map({ done < $0 }) ?? true {
                        // A lease past its deadline (the process was paused, the
                        // server is away) is not polled under: another may hold it.
                        if let lease, !lease.isHeld { break }
                        // The source ends failed when its last collection failed; earlier
                        // failures it recovered from are counted, not held against the run.
                        final = try await collectOnce(source) ? .completed : .failed
                        done += 1
                        if count.map({ done < $0 }) ?? true { try await clock.sleep(for: every) }
                    }
                case .stream:
                    try await stream(source)
                }
            }
        } catch let stopped as SourceStopped {
            final = .failed
            failureByID[id] = stopped.error
        } catch {
            let info = ErrorInfo(from: error, layer: .collection, operation: "collect", details: ["source_id": .string(id)])
            if info.type == .cancelled || Task.isCancelled {
                final = .disconnected
            } else {
                final = .failed
                // A connect or a stream that failed for good: counted like a failed collection.
                stats.failed += 1
                series[id]?.failures.increment()
                failureByID[id] = info
                emitter?.emit(.collectionFailed, source: id, data: info.object)
            }
        }
        if Task.isCancelled && final == .completed { final = .disconnected }
        retryNote[id] = nil
        setStatus(id, final)
    }

    /// One collection with retries; `false` when it failed and the source may go on.
    /// - Throws: when the source must stop (critical error, `.stop`, output closed, cancelled).
    private func collectOnce(_ source: any DataSource) async throws -> Bool {
        let id = source.id
        setStatus(id, .collecting)
        emitter?.emit(.collectionStarted, source: id)
        lastDecision[id] = nil
        let item: CollectedData?
        do {
            item = try await withRetry(
                retryPolicy, clock: clock, layer: .collection, name: "collect",
                shouldRetry: { await self.consult($0, sourceID: id) },
                onRetry: { await self.retrying($0, sourceID: id) }
            ) { [limiter] () async throws -> CollectedData? in
                do {
                    return try await limiter.withPermit { try await source.collect() }
                } catch is SourceUnchanged {
                    return nil
                }
            }
        } catch {
            let info = ErrorInfo(from: error, layer: .collection, operation: "collect", details: ["source_id": .string(id)])
            if info.type == .cancelled { throw info }
            stats.failed += 1
            series[id]?.failures.increment()
            emitter?.emit(.collectionFailed, source: id, data: info.object)
            if info.isCritical || lastDecision[id] == .stop { throw SourceStopped(error: info) }
            failureByID[id] = info
            setStatus(id, .connected)
            return false
        }
        if let item {
            try await deliver(item, from: id)
        } else {
            stats.unchanged += 1
        }
        setStatus(id, .connected)
        return true
    }

    private func stream(_ source: any DataSource) async throws {
        let id = source.id
        setStatus(id, .collecting)
        emitter?.emit(.collectionStarted, source: id)
        if source is any ReconnectingSource {
            try await reconnectingStream(source)
            return
        }
        // The retry policy's attempts and deadline are for one outage, not for
        // the stream's whole life: a stream that delivered items since it was
        // (re)started gets a fresh budget when it fails again.
        while true {
            let before = deliveredByID[id, default: 0]
            do {
                try await withRetry(
                    retryPolicy, clock: clock, layer: .collection, name: "stream",
                    shouldRetry: { await self.consult($0, sourceID: id) },
                    onRetry: { await self.retrying($0, sourceID: id) }
                ) {
                    for try await item in source.stream() {
                        try await self.deliver(item, from: id)
                    }
                }
                return
            } catch {
                let info = ErrorInfo(from: error, layer: .collection, operation: "stream")
                let progressed = deliveredByID[id, default: 0] > before
                guard progressed, info.isRetryable, lastDecision[id] == .retry, info.type != .cancelled, !Task.isCancelled
                else { throw error }
            }
        }
    }

    /// A source with a reconnect policy of its own: each retryable failure
    /// is reported (error handler, `.retry` event, `/ready`) and the stream
    /// started again; the source waits out its backoff and gives up by itself.
    /// The pipeline's retry policy is not applied on top: one policy, not two.
    private func reconnectingStream(_ source: any DataSource) async throws {
        let id = source.id
        while true {
            do {
                for try await item in source.stream() {
                    try await deliver(item, from: id)
                }
                return
            } catch {
                let info = ErrorInfo(from: error, layer: .collection, operation: "stream")
                if info.type == .cancelled || Task.isCancelled { throw info }
                guard await consult(info, sourceID: id), info.isRetryable else { throw info }
                let attempt = info.details["reconnect_attempt"]?.intValue ?? 1
                let delay = info.details["delay_seconds"]?.numberValue ?? 0
                retrying(
                    RetryAttempt(attempt: Int(attempt), error: info, delay: .nanoseconds(Int64(delay * 1e9))),
                    sourceID: id)
            }
        }
    }

    private func deliver(_ item: CollectedData, from id: String) async throws {
        if !retryNote.isEmpty { retryNote[id] = nil }
        try await output.send(item)
        deliveredByID[id, default: 0] += 1
        stats.collected += 1
        stats.bytes += item.payload.count
        if let series = series[id] {
            series.items.increment()
            series.bytes.increment(by: item.payload.count)
        }
        emitter?.emit(
            .collectionComplete, source: item.sourceID,
            data: ["source_id": .string(item.sourceID), "size": .integer(Int64(item.payload.count))])
    }

    // MARK: - Errors and status

    /// A failure already reported that ends the source.
    private struct SourceStopped: Error {
        var error: ErrorInfo
    }

    /// Hands a failure to the error handler; `true` when it asks for a retry.
    private func consult(_ error: ErrorInfo, sourceID: String) async -> Bool {
        var error = error
        if error.details["source_id"] == nil { error.details["source_id"] = .string(sourceID) }
        let decision = await errorHandler.handle(error)
        lastDecision[sourceID] = decision
        return decision == .retry
    }

    private func retrying(_ attempt: RetryAttempt, sourceID: String) {
        retryNote[sourceID] = "attempt \(attempt.attempt) failed: \(attempt.error.message)"
        stats.retries += 1
        series[sourceID]?.retries.increment()
        emitter?.emit(
            .retry, source: sourceID,
            data: [
                "source_id": .string(sourceID), "operation": .string(attempt.error.operation),
                "attempt": .integer(Int64(attempt.attempt)), "delay_seconds": .double(durationSeconds(attempt.delay)),
                "message": .string(attempt.error.message),
            ])
    }

    private func setStatus(_ id: String, _ status: CollectionStatus) {
        let old = statusByID[id]
        guard old != status else { return }
        statusByID[id] = status
        series[id]?.connected.set(status == .connected || status == .collecting)
        emitter?.emit(
            .sourceStatusChanged, source: id,
            data: ["source_id": .string(id), "from": .string(old?.rawValue ?? "none"), "to": .string(status.rawValue)])
    }
}
