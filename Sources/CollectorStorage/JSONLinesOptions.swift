/// How a `JSONLinesStorage` writes its file.
public struct JSONLinesOptions: Sendable, Hashable {
    /// When written lines are forced to the disk (`fsync`). A record counts
    /// as stored when `store` returns; this says whether it then survives a
    /// power cut or only a crash of the process.
    public enum SyncPolicy: String, Sendable, Hashable {
        /// Leave it to the operating system: fastest; a power cut can lose the
        /// last seconds of records, a crash of the process loses nothing.
        case never
        /// One `fsync` per `store` call (a batch or a single record): the default.
        case everyBatch
        /// One `fsync` after each record, also inside a batch: slowest.
        case everyRecord
    }

    public var sync: SyncPolicy
    /// Rotate when a batch would take the active file past this many bytes:
    /// `name.jsonl` becomes `name.1.jsonl`, `name.1.jsonl` becomes
    /// `name.2.jsonl`, and so on. A batch is never split across files, so a
    /// batch larger than the limit makes a file of its own. `nil`: never rotate.
    public var maxFileSize: Int?
    /// Keep at most this many rotated files (the oldest are removed); `nil`: keep all.
    public var maxRotatedFiles: Int?

    public init(sync: SyncPolicy = .everyBatch, maxFileSize: Int? = nil, maxRotatedFiles: Int? = nil) {
        self.sync = sync
        self.maxFileSize = maxFileSize
        self.maxRotatedFiles = maxRotatedFiles
    }
}
