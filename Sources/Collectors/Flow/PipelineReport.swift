/// What a pipeline run did.
public struct PipelineReport: Sendable {
    public var status: TaskStatus
    /// Records the sources' items held (lines, documents, messages), undecodable ones included.
    public var read = 0
    public var collection: CollectionManager.Statistics
    public var processing: ProcessingManager.Statistics
    public var storage: StorageManager.Statistics
    /// Per source, the highest sequence every backend stored.
    public var acknowledged: [String: UInt64]
    /// Each source's status at the end.
    public var sources: [String: CollectionStatus]
    /// Records left in the spool at the end, per backend id (none: empty); the next run replays them.
    public var spooled: [String: Int] = [:]
    /// Whether the drain deadline passed (`PipelineConfiguration.drainTimeout`).
    public var cutShort = false
    /// Why the run failed (`status == .failed`), e.g. a backend that would not connect.
    public var error: ErrorInfo?
    /// What the dead-letter sink wrote and lost (`nil`: no sink, or one that does not count).
    public var deadLetters: DeadLetterTally?

    /// The run's counts as a ledger, with its equations (see `PipelineLedger`).
    public var ledger: PipelineLedger { PipelineLedger(self) }
}
