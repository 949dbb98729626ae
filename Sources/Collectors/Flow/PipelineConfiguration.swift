/// The knobs of a `Pipeline`.
public struct PipelineConfiguration: Sendable, Hashable {
    /// Capacity of the queue of records between processing and storage (at
    /// least two batches are let in, so that processing goes on while a
    /// batch is written).
    public var queueCapacity: Int
    /// Capacity of the queue of collected items between the sources and
    /// processing. An item may hold many records (a run of file lines, up
    /// to 64 KB), so this bounds memory more than `queueCapacity` does.
    public var itemQueueCapacity: Int
    /// Records per processing call and per storage write.
    public var batchSize: Int
    /// The longest a record waits for its storage batch to fill.
    public var maxBatchAge: Duration
    public var maxConcurrentCollections: Int
    /// For sources (connect, collect, stream) and backends (connect, store).
    public var retryPolicy: RetryPolicy
    /// How long one attempt to connect a source or a backend may take, in
    /// real time (whatever clock the pipeline is given: it bounds how long a
    /// peer may take to answer). A connect that takes longer is cancelled and
    /// fails with a retryable `.timeout`, retried per `retryPolicy`. `nil`:
    /// no limit.
    public var connectTimeout: Duration?
    /// How long the drain may take once collection has ended (the sources
    /// ended or `stop()` was called): processing what was collected, writing
    /// it, replaying the spool. Past it, writes in progress are not waited
    /// for and go to the spool, and the spool keeps what is left for the next
    /// run. `nil`: no limit (with a spool and a backend that stays down, the
    /// run then waits for the backend).
    public var drainTimeout: Duration?
    /// With a resume store and a processor that keeps state: a checkpoint
    /// (the processors' state with the source positions it corresponds to)
    /// is taken after this many records since the last one ...
    public var checkpointRecords: Int = 10_000
    /// ... or when this much time has passed since it, whichever comes
    /// first, and at shutdown. Without stateful processors, how often at
    /// most the sources' positions are saved to the store.
    public var checkpointInterval: Duration = .seconds(5)

    public init(
        queueCapacity: Int = 1024, batchSize: Int = 100, maxBatchAge: Duration = .seconds(1),
        maxConcurrentCollections: Int = 4, retryPolicy: RetryPolicy = .default, itemQueueCapacity: Int? = nil,
        drainTimeout: Duration? = nil, connectTimeout: Duration? = .seconds(10)
    ) {
        self.queueCapacity = max(1, queueCapacity)
        self.itemQueueCapacity = max(1, itemQueueCapacity ?? min(self.queueCapacity, 64))
        self.batchSize = max(1, batchSize)
        self.maxBatchAge = maxBatchAge
        self.maxConcurrentCollections = max(1, maxConcurrentCollections)
        self.retryPolicy = retryPolicy
        self.drainTimeout = drainTimeout
        self.connectTimeout = connectTimeout
    }
}
