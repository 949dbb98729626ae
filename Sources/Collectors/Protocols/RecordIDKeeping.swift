/// A backend that can store each record once by its id (see `RecordID`),
/// and may have that turned off. A spool replays batches that may already
/// be stored: with the ids off, such a backend stores them again, which the
/// engine warns of when a pipeline has a spool.
public protocol RecordIDKeeping: StorageBackend {
    /// Whether a record that comes again is skipped (true) or stored again.
    var keepsRecordIDs: Bool { get }
}
