/// Which sources of a pipeline this process may collect, when several
/// processes run the same script and share its sources (cluster mode).
///
/// A `Pipeline` given leases registers its sources, then collects each one
/// only while it holds that source's lease: it connects the source when the
/// lease is won and stops it at once when the lease is lost. Before a batch
/// is stored, `fenced(pipeline:sources:)` says which of its sources this
/// process no longer holds under the token it collected with: their
/// records are not stored (they go to the dead letters with the reason).
public protocol SourceLeases: AnyObject, Sendable {
    /// Declares the sources of `pipeline` (ids), before it collects.
    /// `settle`: how long records a stopped source read may take to be
    /// stored (the pipeline's batch age); a lease handed over to another
    /// process is released only that long after its source stopped.
    func register(pipeline: String, sources: [String], settle: Duration) async throws
    /// Waits until this process holds the lease of `source`; `nil` once it
    /// will not any more (the process is leaving the cluster).
    func acquire(pipeline: String, source: String) async -> SourceLease?
    /// Of `sources` of `pipeline`, those this process does not hold now
    /// under the token it collected with, each with why (checked on the server).
    /// Sources that are not leased are never fenced.
    func fenced(pipeline: String, sources: Set<String>) async -> [String: String]
    /// The pipeline stopped (its sources and drain are over): its leases
    /// are released at once, so that other processes take them over
    /// without waiting for them to expire.
    func finished(pipeline: String) async

    /// Where sources' positions are kept so that a source taken over goes on
    /// where its last holder stopped: a store every member reads (the
    /// cluster's own database), scoped by the cluster's name. `nil`: none.
    func resumeStore() throws -> (any ResumeStore)?
    /// The scope of this cluster's entries in `resumeStore()`.
    var resumeScope: String { get }
}
