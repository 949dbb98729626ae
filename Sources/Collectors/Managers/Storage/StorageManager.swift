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
    public let configuration: Configuration
    let router: Router?
    /// The output name of each backend, in order, when the pipeline names them.
    let outputs: [String]?
    let backends: [any StorageBackend]
    let errorHandler: any ErrorHandler
    let deadLetters: (any DeadLetterSink)?
    let emitter: (any EventEmitter)?
    let clock: AnyClock
    let metrics: PipelineMetrics?
    let series: [String: BackendSeries]
    let spool: (any Spool)?
    let spoolNamespace: String
    let spoolSeries: [String: SpoolSeries]
    let deadline = DrainDeadline()
    var connected = false
    /// Backends whose last write failed (after retries).
    var failing: Set<String> = []
    var pending: [Record] = []
    var pendingSince: AnyClock.Instant?
    var writeChain: Task<Void, Never>?
    var timer: Task<Void, Never>?
    var stats = Statistics()
    var acknowledgedBySource: [String: UInt64] = [:]
    var acknowledgementObserver: (@Sendable () -> Void)?
    var lastDecision: [String: ErrorDecision] = [:]
    /// Backends that have records in the spool: their batches go there too, behind them.
    var spooling: Set<String> = []
    /// Records in the spool per backend, as counted here (read from the spool when it is opened).
    var depth: [String: Int] = [:]
    var replayers: [String: Task<Void, Never>] = [:]
    /// Cluster mode: of a batch's sources, those whose lease this process lost, with why (see `fence(with:)`).
    var fence: (@Sendable (Set<String>) async -> [String: String])?
    /// Set when the error handler decided `.stop`; the pipeline stops collecting.
    public internal(set) var stopRequested = false

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
}
