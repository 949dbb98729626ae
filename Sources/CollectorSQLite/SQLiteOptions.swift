import CollectorStorage
import Collectors

/// How a `SQLiteStorage` opens its file and lays out its table.
public struct SQLiteOptions: Sendable, Hashable {
    /// The table records go into; created if missing.
    public var table: String
    /// `.document` (the default) or typed `.columns`.
    public var layout: TableLayout
    /// How long a write waits for another connection's lock before failing
    /// with a retryable `SQLITE_BUSY` error, in milliseconds.
    public var busyTimeoutMilliseconds: Int
    /// Open for reading only: `store` and `delete` fail, `query` works.
    public var readOnly: Bool
    /// Caps the database at this many pages (`PRAGMA max_page_count`); a
    /// write past it fails with `SQLITE_FULL` and its batch is rolled back.
    public var maxPageCount: Int?
    /// Keep record ids, so that `store(records:)` stores a record once however
    /// often it comes (a replay from the spool, a file read again after a
    /// crash). Off, a typed table has no `record_id` column (its unique index
    /// costs about a third of the insert rate) and every record is stored as
    /// it comes: for bulk loads that are never read again.
    public var recordIDs: Bool
    /// A natural key: a record whose key is stored already updates its row
    /// or is skipped (an upsert), with a unique index on the key (see `NaturalKey`).
    public var key: NaturalKey?

    public init(
        table: String = "records", layout: TableLayout = .document, busyTimeoutMilliseconds: Int = 5_000,
        readOnly: Bool = false, maxPageCount: Int? = nil, recordIDs: Bool = true, key: NaturalKey? = nil
    ) {
        self.table = table
        self.layout = layout
        self.busyTimeoutMilliseconds = busyTimeoutMilliseconds
        self.readOnly = readOnly
        self.maxPageCount = maxPageCount
        self.recordIDs = recordIDs
        self.key = key
    }

    /// Checks the table's name and the columns of a typed layout as
    /// `connect()` does, without opening the file: for configuration read
    /// from elsewhere (a script), to be refused where it was written.
    /// An error about one column has its position (from 1) as
    /// `column_position` in its details.
    public func validate() throws(ErrorInfo) {
        _ = try SQLiteTable(options: self)
    }

    /// The benchmark's `readings` table (see `shared/bench/README.md`).
    public static var readings: SQLiteOptions {
        SQLiteOptions(
            table: "readings",
            layout: .readings
        )
    }
}
