import CSQLite
import CollectorStorage
import CollectorValues
import Collectors
import Foundation

/// A `Spool` in an SQLite file: records a backend could not take wait here,
/// across restarts, until they are replayed.
///
///     let spool = SQLiteSpool(path: "/var/lib/collector/spool.db")
///     let pipeline = try Pipeline(name: "sensors", sources: [source], backends: [database], spool: spool)
///
/// One table, `collector_spool`: a row per record, numbered in the order it
/// was appended (`AUTOINCREMENT`, so a number is never used twice), with its
/// queue, id, source, sequence, time and value (in `BinaryCodec`'s form,
/// which keeps what JSON cannot). Appends are one transaction per batch
/// (WAL, `synchronous=NORMAL`, as `SQLiteStorage`): a batch is in the spool
/// or not, and survives the process being killed.
///
/// The file is opened on first use and created only by the first append: a
/// pipeline whose backends never fail leaves no file behind. `maxSize` caps
/// it; an append past it fails with a `.limit` error and keeps nothing of
/// its batch. Space that replayed records leave is reused, and given back to
/// the file system when the spool is empty.
///
/// The connection is confined to this actor, on a thread of its own (SQLite
/// blocks on the disk).
public actor SQLiteSpool: Spool {
    /// How big the spool may grow, and how it waits for a lock.
    public struct Options: Sendable, Hashable {
        /// The most bytes the file may hold; past it an append fails with `.limit`.
        public var maxSize: Int
        /// How long a write waits for another connection's lock (another process sharing the file).
        public var busyTimeoutMilliseconds: Int

        public init(maxSize: Int = 1 << 30, busyTimeoutMilliseconds: Int = 5_000) {
            self.maxSize = max(64 << 10, maxSize)
            self.busyTimeoutMilliseconds = busyTimeoutMilliseconds
        }
    }

    /// The spool's file (created by the first append).
    public nonisolated let path: String
    public nonisolated let options: Options
    private let executor: StorageThreadExecutor
    private var connection: SQLiteConnection?
    /// Reused for each record's encoded value.
    private var buffer: [UInt8] = []

    public nonisolated var unownedExecutor: UnownedSerialExecutor {
        executor.asUnownedSerialExecutor()
    }

    /// Opens nothing yet: the file is opened on first use.
    public init(path: String, options: Options = Options()) {
        self.path = path
        self.options = options
        executor = StorageThreadExecutor(name: "spool")
    }

    deinit {
        executor.stop()
    }

    public func append(_ records: [Record], to queue: String) async throws {
        try clarifying { () throws(ErrorInfo) in try appendNow(records, to: queue) }
    }

    private func appendNow(_ records: [Record], to queue: String) throws(ErrorInfo) {
        guard !records.isEmpty, let connection = try open(creating: true) else { return }
        try connection.execute("BEGIN IMMEDIATE", operation: "spool")
        do throws(ErrorInfo) {
            try connection.withStatement(
                """
                INSERT INTO collector_spool (queue, record_id, source_id, sequence, collected_at, value) \
                VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                """, operation: "spool"
            ) { (insert) throws(ErrorInfo) in
                for record in records {
                    buffer.removeAll(keepingCapacity: true)
                    BinaryCodec.encode(record.value, into: &buffer)
                    defer { insert.reset() }
                    try insert.bind(queue, at: 1)
                    try insert.bind(record.id, at: 2)
                    try insert.bind(record.sourceID, at: 3)
                    try insert.bind(Int64(bitPattern: record.sequence), at: 4)
                    try insert.bind(record.collectedAt.timeIntervalSince1970, at: 5)
                    try insert.bind(bytes: buffer, asText: false, at: 6)
                    while try insert.step(operation: "spool") {}
                }
            }
            try connection.execute("COMMIT", operation: "spool")
        } catch {
            try? connection.execute("ROLLBACK", operation: "spool")
            if error.sqliteCode == .full {
                throw ErrorInfo(
                    .limit, layer: .storage, operation: "spool",
                    message: "the spool \(path) is full (max size \(options.maxSize) bytes, or the disk): \(records.count) records for \(queue) were not kept",
                    details: ["path": .string(path), "queue": .string(queue), "count": .integer(Int64(records.count))])
            }
            throw error
        }
    }

    public func oldest(in queue: String, limit: Int) async throws -> SpooledBatch {
        try clarifying { () throws(ErrorInfo) in try oldestNow(in: queue, limit: limit) }
    }

    private func oldestNow(in queue: String, limit: Int) throws(ErrorInfo) -> SpooledBatch {
        guard let connection = try open(creating: false) else { return SpooledBatch(records: [], mark: 0) }
        return try connection.withStatement(
            """
            SELECT seq, record_id, source_id, sequence, collected_at, value FROM collector_spool \
            WHERE queue = ?1 ORDER BY seq LIMIT ?2
            """, operation: "spool"
        ) { (select) throws(ErrorInfo) -> SpooledBatch in
            try select.bind(queue, at: 1)
            try select.bind(Int64(max(1, limit)), at: 2)
            var records: [Record] = []
            var mark: Int64 = 0
            while try select.step(operation: "spool") {
                mark = select.int64(0)
                guard let id = select.withBytes(1, { RecordID(bytes: $0) }) else { throw damaged("row \(mark) has no valid record id") }
                let decoded = select.withBytes(5) { bytes -> Result<DataValue, BinaryCodec.DecodingError> in
                    Result { () throws(BinaryCodec.DecodingError) in try BinaryCodec.decode(UnsafeRawBufferPointer(bytes)) }
                }
                let value: DataValue
                switch decoded {
                case .success(let decodedValue): value = decodedValue
                case .failure(let error): throw damaged("row \(mark) holds a value that cannot be read (\(error))")
                }
                records.append(
                    Record(
                        value, sourceID: select.string(2), sequence: UInt64(bitPattern: select.int64(3)),
                        collectedAt: Date(timeIntervalSince1970: select.double(4)), id: id))
            }
            return SpooledBatch(records: records, mark: mark)
        }
    }

    public func remove(through mark: Int64, from queue: String) async throws {
        try clarifying { () throws(ErrorInfo) in try removeNow(through: mark, from: queue) }
    }

    private func removeNow(through mark: Int64, from queue: String) throws(ErrorInfo) {
        guard let connection = try open(creating: false) else { return }
        try connection.withStatement("DELETE FROM collector_spool WHERE queue = ?1 AND seq <= ?2", operation: "spool") {
            (delete) throws(ErrorInfo) in
            try delete.bind(queue, at: 1)
            try delete.bind(mark, at: 2)
            while try delete.step(operation: "spool") {}
        }
        // Empty: give the freed pages back to the file system.
        let empty = try connection.withStatement("SELECT 1 FROM collector_spool LIMIT 1", operation: "spool") {
            (any) throws(ErrorInfo) -> Bool in try !any.step(operation: "spool")
        }
        if empty { try connection.execute("PRAGMA incremental_vacuum", operation: "spool") }
    }

    public func depths() async throws -> [String: Int] {
        try clarifying { () throws(ErrorInfo) in try depthsNow() }
    }

    private func depthsNow() throws(ErrorInfo) -> [String: Int] {
        guard let connection = try open(creating: false) else { return [:] }
        return try connection.withStatement("SELECT queue, count(*) FROM collector_spool GROUP BY queue", operation: "spool") {
            (count) throws(ErrorInfo) -> [String: Int] in
            var depths: [String: Int] = [:]
            while try count.step(operation: "spool") { depths[count.string(0)] = Int(count.int64(1)) }
            return depths
        }
    }

    public func close() async {
        connection?.close()
        connection = nil
    }

    /// The open connection; opens the file first (creating it only when asked:
    /// reading a spool that was never written needs no file). `nil` when there is no file.
    private func open(creating: Bool) throws(ErrorInfo) -> SQLiteConnection? {
        if let connection { return connection }
        if !creating && !FileManager.default.fileExists(atPath: path) { return nil }
        let connection = try SQLiteConnection(
            path: path, backend: "spool", readOnly: false, busyTimeoutMilliseconds: options.busyTimeoutMilliseconds)
        do throws(ErrorInfo) {
            // The first statement reads the header: a file that is not a database fails here.
            try connection.execute("SELECT count(*) FROM sqlite_schema", operation: "spool")
            // Only takes effect before the first table exists, which is when it is wanted.
            try connection.execute("PRAGMA auto_vacuum=INCREMENTAL", operation: "spool")
            try connection.execute("PRAGMA journal_mode=WAL", operation: "spool")
            try connection.execute("PRAGMA synchronous=NORMAL", operation: "spool")
            let pageSize = try Self.integer(connection, "PRAGMA page_size") ?? 4096
            try connection.execute("PRAGMA max_page_count=\(max(16, options.maxSize / max(512, pageSize)))", operation: "spool")
            try connection.execute(
                """
                CREATE TABLE IF NOT EXISTS collector_spool (seq INTEGER PRIMARY KEY AUTOINCREMENT, \
                queue TEXT NOT NULL, record_id BLOB NOT NULL, source_id TEXT NOT NULL, sequence INTEGER NOT NULL, \
                collected_at REAL NOT NULL, value BLOB NOT NULL)
                """, operation: "spool")
            // A table of that name from something else (another program's file) is not ours.
            let columns = try Self.integer(
                connection,
                "SELECT count(*) FROM pragma_table_info('collector_spool') WHERE name IN ('seq', 'queue', 'record_id', 'source_id', 'sequence', 'collected_at', 'value')")
            guard columns == 7 else { throw damaged("its table collector_spool is not a spool's") }
            try connection.execute(
                "CREATE INDEX IF NOT EXISTS collector_spool_queue ON collector_spool (queue, seq)", operation: "spool")
        } catch {
            connection.close()
            throw error
        }
        self.connection = connection
        return connection
    }

    private static func integer(_ connection: SQLiteConnection, _ sql: String) throws(ErrorInfo) -> Int? {
        try connection.withStatement(sql, operation: "spool") { (statement) throws(ErrorInfo) -> Int? in
            try statement.step(operation: "spool") ? Int(statement.int64(0)) : nil
        }
    }

    private var problems: SQLiteFileProblems {
        SQLiteFileProblems(name: "the spool", path: path, operation: "spool", fresh: "start with an empty spool")
    }

    private func clarifying<T>(_ body: () throws(ErrorInfo) -> T) throws(ErrorInfo) -> T { try problems.clarifying(body) }

    private func damaged(_ what: String) -> ErrorInfo { problems.damaged(what) }
}
