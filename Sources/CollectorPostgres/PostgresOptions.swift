import CollectorStorage
import Collectors

/// How a batch reaches its table.
public enum PostgresBatchMethod: String, Sendable, Hashable, CaseIterable {
    /// `COPY ... FROM STDIN` (text format) into a temporary table, then
    /// `INSERT INTO table SELECT ... FROM it ON CONFLICT (location_id) DO NOTHING`,
    /// in one transaction.
    case copy
    /// Multi-row `INSERT ... VALUES ... ON CONFLICT (location_id) DO NOTHING`,
    /// every value a parameter, `rowsPerStatement` rows a statement.
    case insert
}

/// How a `PostgresStorage` lays out its table and handles a lost connection.
public struct PostgresOptions: Sendable, Hashable {
    /// The table records go into; created if missing.
    public var table: String
    /// `.document` (the default: a `jsonb` column) or typed `.columns`.
    public var layout: TableLayout
    /// How long connecting may take, in seconds (libpq's `connect_timeout`).
    public var connectTimeoutSeconds: Int
    /// After the connection drops in the middle of a call: how many times to
    /// reconnect (waiting `reconnectDelaySeconds`, doubling up to 2 s) and
    /// run the call again before giving up with a retryable `.connection` error.
    public var reconnectAttempts: Int
    public var reconnectDelaySeconds: Double
    /// Rows per `INSERT` statement in a batch with `batchMethod: .insert`
    /// (fewer when a row has many columns: a statement carries at most
    /// 65,535 parameters).
    public var rowsPerStatement: Int
    /// `.copy` (the default: the faster in every measurement, see
    /// docs/performance.md) or `.insert`: both store a batch in one
    /// transaction, and exactly once when it is retried after a lost connection.
    public var batchMethod: PostgresBatchMethod
    /// A natural key: a record whose key is stored already updates its row
    /// or is skipped (`INSERT ... ON CONFLICT`), with a unique index on the
    /// key (see `NaturalKey`).
    public var key: NaturalKey?

    public init(
        table: String = "records", layout: TableLayout = .document, connectTimeoutSeconds: Int = 10,
        reconnectAttempts: Int = 8, reconnectDelaySeconds: Double = 0.1, rowsPerStatement: Int = 1_000,
        batchMethod: PostgresBatchMethod = .copy, key: NaturalKey? = nil
    ) {
        self.table = table
        self.layout = layout
        self.connectTimeoutSeconds = connectTimeoutSeconds
        self.reconnectAttempts = reconnectAttempts
        self.reconnectDelaySeconds = reconnectDelaySeconds
        self.rowsPerStatement = rowsPerStatement
        self.batchMethod = batchMethod
        self.key = key
    }

    /// Checks the table's name and the columns of a typed layout as
    /// `connect()` does, without a server: for configuration read from
    /// elsewhere (a script), to be refused where it was written.
    /// An error about one column has its position (from 1) as
    /// `column_position` in its details.
    public func validate() throws(ErrorInfo) {
        _ = try PostgresTable(options: self)
    }
}
