/// Durable room for records a backend could not take: a `StorageManager`
/// appends a batch here when its backend stays down past its retries, and
/// replays the records, oldest first, when the backend is back. Each
/// backend of each pipeline has a queue of its own (`PIPELINE/BACKEND`).
///
/// `CollectorSQLite.SQLiteSpool` keeps them in an SQLite file, so that they
/// survive a restart; the next run replays them before its new records.
public protocol Spool: Sendable {
    /// Appends `records` to `queue`, after what it holds; durable when it returns.
    /// - Throws: an `ErrorInfo` of type `.limit` when the spool is full (nothing
    ///   of the batch is kept), another when it cannot be written.
    func append(_ records: [Record], to queue: String) async throws

    /// The oldest records of `queue` (at most `limit`), in the order they were appended.
    func oldest(in queue: String, limit: Int) async throws -> SpooledBatch

    /// Removes the records of `queue` up to `mark` (of a batch `oldest` returned), once they are stored.
    func remove(through mark: Int64, from queue: String) async throws

    /// How many records each queue holds; queues holding none are left out.
    func depths() async throws -> [String: Int]

    /// Releases what the spool holds open; a later call opens it again.
    func close() async
}

/// Records a spool gave back, and where they end.
public struct SpooledBatch: Sendable {
    public var records: [Record]
    /// What `Spool.remove(through:from:)` takes to remove exactly these (and any before them).
    public var mark: Int64

    public init(records: [Record], mark: Int64) {
        self.records = records
        self.mark = mark
    }

    /// The queue had nothing.
    public var isEmpty: Bool { records.isEmpty }
}
