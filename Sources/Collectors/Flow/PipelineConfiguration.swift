/// The knobs of a `Pipeline`.
public struct PipelineConfiguration: Sendable, Hashable {
    /// Capacity of each queue between layers (collected items; records).
    public var queueCapacity: Int
    /// Records per processing call and per storage write.
    public var batchSize: Int
    /// The longest a record waits for its storage batch to fill.
    public var maxBatchAge: Duration
    public var maxConcurrentCollections: Int
    /// For sources (connect, collect, stream) and backends (store).
    public var retryPolicy: RetryPolicy
    /// How long the drain may take once collection has ended (the sources
    /// ended or `stop()` was called): processing what was collected, writing
    /// it, replaying the spool. Past it, writes in progress are not waited
    /// for and go to the spool, and the spool keeps what is left for the next
    /// run. `nil`: no limit (with a spool and a backend that stays down, the
    /// run then waits for the backend).
    public var drainTimeout: Duration?

    public init(
        queueCapacity: Int = 1024, batchSize: Int = 100, maxBatchAge: Duration = .seconds(1),
        maxConcurrentCollections: Int = 4, retryPolicy: RetryPolicy = .default, drainTimeout: Duration? = nil
    ) {
        self.queueCapacity = max(1, queueCapacity)
        self.batchSize = max(1, batchSize)
        self.maxBatchAge = maxBatchAge
        self.maxConcurrentCollections = max(1, maxConcurrentCollections)
        self.retryPolicy = retryPolicy
        self.drainTimeout = drainTimeout
    }
}
