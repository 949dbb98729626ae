/// What the storage layer offers: connecting the backends, routing records
/// to them, storing them in batches and flushing. (Seed: `IStorageManager`.)
///
/// `StorageManager` is the engine's implementation. A record counts as
/// stored by a backend once that backend's write returned (or a spool took
/// it for that backend); one failing backend does not stop the others.
public protocol StorageManaging: Actor {
    /// The backends' ids, in order.
    var backendIDs: [String] { get }
    /// Connects every backend, each with a connect timeout, retrying
    /// failures that may pass; those already connected are disconnected
    /// again when one cannot connect.
    /// - Throws: an `ErrorInfo` that names the backend that could not connect.
    func connectBackends() async throws
    /// The ids of the backends `record` goes to, in backend order (all of
    /// them unless a router picks).
    func backendIDs(for record: Record) -> [String]

    /// Takes records for storage: routes them and writes every full batch,
    /// returning when those are written.
    func submit(_ records: [Record]) async
    /// Writes whatever is waiting and returns when every write so far has finished.
    func flush() async

    /// Counters since the manager was made.
    var statistics: StorageManager.Statistics { get }
    /// Per source, the highest sequence of a batch stored by every backend it was routed to.
    var acknowledged: [String: UInt64] { get }
    /// Backends whose last write failed (after retries).
    var failingBackendIDs: Set<String> { get }
    /// Ready when the backends are connected and none is failing; otherwise why not.
    var readiness: Readiness { get }
    /// Whether the error handler asked to stop (a `.stop` decision).
    var stopRequested: Bool { get }
}
