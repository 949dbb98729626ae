extension StorageManager {
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
}
