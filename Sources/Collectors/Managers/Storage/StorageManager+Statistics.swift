extension StorageManager {
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
}
