/// What happened. Extensible: components and scripts may name their own. (Seed: `EventType`.)
public struct EventType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }

    public static let collectionStarted = EventType("collection_started")
    public static let collectionComplete = EventType("collection_complete")
    public static let collectionFailed = EventType("collection_failed")
    public static let processingComplete = EventType("processing_complete")
    public static let processingFailed = EventType("processing_failed")
    public static let storageComplete = EventType("storage_complete")
    public static let storageFailed = EventType("storage_failed")
    /// Every `ErrorInfo` the error handler sees.
    public static let error = EventType("error")
    /// An operation is tried again after a retryable failure.
    public static let retry = EventType("retry")
    /// A record went to the dead-letter destination.
    public static let deadLetter = EventType("dead_letter")
    /// Records went to the spool: their backend is down, or older records of it are there.
    public static let spooled = EventType("spooled")
    /// Records came out of the spool into their backend.
    public static let replayed = EventType("replayed")
    /// The spool could not take records (full, or failing): they went to the dead-letter sink.
    public static let spoolFull = EventType("spool_full")
    /// A new version of a processor was swapped in.
    public static let reloadSucceeded = EventType("reload_succeeded")
    /// A new version of a processor was rejected; the running one stays.
    public static let reloadFailed = EventType("reload_failed")
    /// A swapped-in version failed on too many records; the last good one runs again.
    public static let reloadRolledBack = EventType("reload_rolled_back")
    public static let sourceStatusChanged = EventType("source_status_changed")
    public static let pipelineStarted = EventType("pipeline_started")
    public static let pipelineStopped = EventType("pipeline_stopped")
}
