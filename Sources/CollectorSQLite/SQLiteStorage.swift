import CSQLite
import CollectorStorage
import Collectors
import CollectorValues
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The embedded backend: records in an SQLite file.
///
///     let storage = SQLiteStorage(id: "local", path: "/var/lib/collector/data.db")
///     try await storage.connect()
///     _ = try await storage.store(batch: records)
///
/// `connect()` opens the file (creating it if missing), sets
/// `journal_mode=WAL`, `synchronous=NORMAL` and the busy timeout, and creates
/// the table. A batch is one `BEGIN IMMEDIATE ... COMMIT` with one prepared
/// insert reused for every row; any failure rolls the whole batch back.
///
/// The connection is confined to this actor, which runs on a thread of its
/// own (SQLite blocks on disk and on other connections' locks). Cancelling
/// the task of a store stops it from another thread (`SQLiteInterrupt`): it
/// rolls back and throws `CancellationError`, and the connection serves the
/// next store.
public actor SQLiteStorage: StorageBackend {
    public nonisolated let id: String
    public nonisolated let path: String
    public nonisolated let options: SQLiteOptions

    private let executor: StorageThreadExecutor
    private var connection: SQLiteConnection?
    private var table: SQLiteTable?
    /// Reused across rows and batches.
    private var scratch = SQLiteTable.BindScratch()

    public nonisolated var unownedExecutor: UnownedSerialExecutor {
        executor.asUnownedSerialExecutor()
    }

    /// - Parameters:
    ///   - path: the database file; created on `connect()` if missing (its folder must exist).
    public init(id: String = "sqlite", path: String, options: SQLiteOptions = SQLiteOptions()) {
        self.id = id
        self.path = path
        self.options = options
        executor = StorageThreadExecutor(name: "sqlite-\(id)")
    }

    deinit {
        // The connection closes in its own deinit, right after this.
        executor.stop()
    }

    public func connect() async throws {
        if connection != nil { return }
        let table = try SQLiteTable(options: options)
        let connection = try SQLiteConnection(
            path: path, backend: id, readOnly: options.readOnly, busyTimeoutMilliseconds: options.busyTimeoutMilliseconds)
        do {
            // The first statement reads the header: a file that is not a database fails here.
            try connection.execute("SELECT count(*) FROM sqlite_schema", operation: "connect")
            if options.readOnly {
                try checkLayout(connection, table: table)
            } else {
                if connection.isReadOnly {
                    throw ErrorInfo(
                        .storage, layer: .storage, operation: "connect",
                        message: "SQLite connect failed on \(path): the file is read-only (open it with readOnly: true to query it)",
                        details: ["backend_id": .string(id), "path": .string(path), "sqlite_code": .integer(Int64(SQLiteResultCode.readOnly.rawValue))])
                }
                try connection.execute("PRAGMA journal_mode=WAL", operation: "connect")
                try connection.execute("PRAGMA synchronous=NORMAL", operation: "connect")
                if let pages = options.maxPageCount {
                    try connection.execute("PRAGMA max_page_count=\(max(pages, 1))", operation: "connect")
                }
                try connection.execute(table.createSQL, operation: "connect")
                try checkLayout(connection, table: table)
                if let indexSQL = table.recordIndexSQL {
                    try addRecordIDColumnIfMissing(connection, table: table)
                    try connection.execute(indexSQL, operation: "connect")
                }
                try makeKeyIndex(connection, table: table)
            }
        } catch {
            connection.close()
            throw error
        }
        self.connection = connection
        self.table = table
    }

    public func disconnect() async {
        connection?.close()
        connection = nil
    }

    public func store(_ record: DataValue) async throws -> StorageLocation {
        try await interruptible { () throws(ErrorInfo) in try storeOne(record) }
    }

    private func storeOne(_ record: DataValue) throws(ErrorInfo) -> StorageLocation {
        let (connection, table) = try connected("store")
        let now = Self.milliseconds()
        let locationID = try withScratch { (scratch) throws(ErrorInfo) -> String in
            try transaction(connection, operation: "store", rows: 1) { () throws(ErrorInfo) -> String in
                let generated = try connection.withStatement(table.insertSQL, operation: "store") { (statement) throws(ErrorInfo) in
                    try insert(.value(record), index: 0, createdAt: now, into: table, statement: statement, scratch: &scratch)
                }
                return generated ?? String(connection.lastInsertRowID)
            }
        }
        return StorageLocation(backendID: id, locationID: locationID, path: "sqlite://\(path)/\(options.table)/\(locationID)")
    }

    public func store(batch records: [DataValue]) async throws -> StoredBatch {
        try await interruptible { () throws(ErrorInfo) in
            try insertBatch(records.count) { .value(records[$0]) } id: { _ in nil }
        }
    }

    /// Like `store(batch:)`, each row carrying its record's id (`location_id`
    /// of the document layout, `record_id` of the typed one): a record whose
    /// id is already in the table is skipped (`ON CONFLICT DO NOTHING`);
    /// with `recordIDs` off, rows as `store(batch:)` writes them. A record
    /// carried as JSON text is written from its text (only the columns'
    /// fields are read, for the typed layout).
    public func store(records: [Record]) async throws -> StoredBatch {
        let withIDs = options.recordIDs
        return try await interruptible { () throws(ErrorInfo) in
            try insertBatch(records.count) { .record(records[$0]) } id: { withIDs ? records[$0].id : nil }
        }
    }

    /// Inserts `count` rows in one transaction, with the insert prepared once.
    private func insertBatch(
        _ count: Int, row: (Int) -> Row, id recordID: (Int) -> RecordID?
    ) throws(ErrorInfo) -> StoredBatch {
        let (connection, table) = try connected("store")
        if count == 0 { return StoredBatch(backendID: id, count: 0) }
        let now = Self.milliseconds()
        var skipped = 0
        try withScratch { (scratch) throws(ErrorInfo) in
            try transaction(connection, operation: "store", rows: count) { () throws(ErrorInfo) in
                try connection.withStatement(table.insertSQL, operation: "store") { (statement) throws(ErrorInfo) in
                    for index in 0..<count {
                        try checkInterrupt(connection)
                        let rowID = recordID(index)
                        _ = try insert(
                            row(index), id: rowID, index: index, of: count, createdAt: now, into: table, statement: statement,
                            scratch: &scratch)
                        // No row changed: `ON CONFLICT DO NOTHING` skipped a record stored
                        // before (its id, or its key with `.ignore`).
                        if rowID != nil || table.key != nil, connection.changes == 0 { skipped += 1 }
                    }
                }
            }
        }
        return StoredBatch(backendID: id, count: count - skipped, skipped: skipped)
    }

    /// Runs `body` with the scratch space moved out of the actor, so the rows
    /// of a batch use it without an exclusivity check (or a copy) per access.
    private func withScratch<R>(_ body: (inout SQLiteTable.BindScratch) throws(ErrorInfo) -> R) throws(ErrorInfo) -> R {
        var local = SQLiteTable.BindScratch()
        swap(&local, &scratch)
        defer { swap(&local, &scratch) }
        return try body(&local)
    }

    public func query(_ criteria: QueryCriteria) async throws -> [DataValue] {
        let (connection, table) = try connected("query")
        try StorageErrors.checkPaging(criteria, backend: id)
        try StorageErrors.checkFilters(criteria, backend: id)
        guard let (sql, parameters) = try table.select(criteria, backend: id) else { return [] }
        return try connection.withStatement(sql, operation: "query") { (statement) throws(ErrorInfo) -> [DataValue] in
            for (position, value) in parameters.enumerated() {
                let index = Int32(position + 1)
                switch value {
                case .integer(let i): try statement.bind(i, at: index)
                case .double(let d): try statement.bind(d, at: index)
                case .string(let s): try statement.bind(s, at: index)
                case .bytes(let b): try statement.bind(bytes: b, asText: false, at: index)
                default: try statement.bindNull(index)
                }
            }
            var records: [DataValue] = []
            while try statement.step(operation: "query") {
                records.append(try table.record(from: statement, backend: id, path: path))
            }
            return records
        }
    }

    public func delete(locationID: String) async throws {
        let (connection, table) = try connected("delete")
        try connection.withStatement(table.deleteSQL, operation: "delete") { (statement) throws(ErrorInfo) in
            if table.isDocument {
                try statement.bind(locationID, at: 1)
            } else {
                guard let rowid = Int64(locationID) else {
                    throw StorageErrors.notFound(backend: id, operation: "delete", locationID: locationID)
                }
                try statement.bind(rowid, at: 1)
            }
            while try statement.step(operation: "delete") {}
        }
        if connection.changes == 0 {
            throw StorageErrors.notFound(backend: id, operation: "delete", locationID: locationID)
        }
    }

    // MARK: internals

    /// Runs a store so that cancelling the calling task stops it (see
    /// `SQLiteInterrupt`): a wait for another connection's lock ends, a
    /// statement under way is interrupted, the transaction rolls back, and
    /// the store throws `CancellationError`. A store that committed before
    /// the cancellation reached it returns as usual.
    private func interruptible<R: Sendable>(_ body: () throws(ErrorInfo) -> R) async throws -> R {
        guard let connection else { return try body() }
        return try await interruptibly(connection.interrupt, body) {
            // The interrupt may have cut the rollback short too.
            if connection.inTransaction { try? connection.execute("ROLLBACK", operation: "store") }
        }
    }

    /// Throws when the operation under way was cancelled (checked where no statement runs).
    private func checkInterrupt(_ connection: SQLiteConnection) throws(ErrorInfo) {
        guard connection.interrupt.isRequested else { return }
        throw ErrorInfo(
            .cancelled, layer: .storage, operation: "store", message: "SQLite store into \(path) was cancelled",
            details: ["backend_id": .string(id), "path": .string(path)])
    }

    private func connected(_ operation: String) throws(ErrorInfo) -> (SQLiteConnection, SQLiteTable) {
        guard let connection, let table else {
            throw StorageErrors.notConnected(backend: id, kind: "SQLite", operation: operation)
        }
        return (connection, table)
    }

    /// The table's column names, in order; empty when there is no such table.
    private func existingColumns(_ connection: SQLiteConnection) throws(ErrorInfo) -> [String] {
        try connection.withStatement("SELECT name FROM pragma_table_info(?1)", operation: "connect") {
            (info) throws(ErrorInfo) -> [String] in
            try info.bind(options.table, at: 1)
            var names: [String] = []
            while try info.step(operation: "connect") {
                names.append(info.string(0))
            }
            return names
        }
    }

    /// A table that was there before (`CREATE TABLE IF NOT EXISTS` leaves it
    /// as it is) must have the columns of the layout the options give: else
    /// every store and query would fail with SQLite's "no such column", and
    /// a store would be retried as if the database were down.
    private func checkLayout(_ connection: SQLiteConnection, table: SQLiteTable) throws(ErrorInfo) {
        let needed = table.isDocument ? ["location_id", "created_at", "data"] : table.columns.map(\.identifier.name)
        guard let problem = ExistingTableCheck.problem(
            existing: try existingColumns(connection), needed: needed, isDocument: table.isDocument,
            documentColumns: "location_id, created_at, data")
        else { return }
        throw ErrorInfo(
            .configuration, layer: .storage, operation: "connect",
            message: "SQLite table '\(options.table)' in \(path) \(problem)",
            details: ["backend_id": .string(id), "path": .string(path), "table": .string(options.table)])
    }

    /// The key's unique index, and no other: an index of an earlier key
    /// (the option changed, or was removed) is dropped, so it no longer
    /// refuses rows. Rows that share the new key fail the index, saying so.
    private func makeKeyIndex(_ connection: SQLiteConnection, table: SQLiteTable) throws(ErrorInfo) {
        let prefix = NaturalKey.indexPrefix(table: options.table)
        let stale = try connection.withStatement(
            "SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = ?1 AND name GLOB ?2", operation: "connect"
        ) { (statement) throws(ErrorInfo) -> [String] in
            try statement.bind(options.table, at: 1)
            try statement.bind(prefix + String(repeating: "[0-9a-f]", count: 8), at: 2)
            var names: [String] = []
            while try statement.step(operation: "connect") {
                let name = statement.string(0)
                if name != table.keyIndexName { names.append(name) }
            }
            return names
        }
        // Names made by `NaturalKey.indexName` from a validated table name: quoting them is safe.
        for name in stale { try connection.execute("DROP INDEX IF EXISTS \"\(name)\"", operation: "connect") }
        guard let sql = table.keyIndexSQL, let key = table.key else { return }
        do {
            try connection.execute(sql, operation: "connect")
        } catch {
            guard error.sqliteCode == .constraint else { throw error }
            var error = error
            error.message = "SQLite connect failed on \(path): the key \(key.description) cannot be made unique: "
                + "rows of table '\(options.table)' already share a key (\(error.message))"
            throw error
        }
    }

    /// A typed table made before record ids gets their column (its rows keep NULL there).
    private func addRecordIDColumnIfMissing(_ connection: SQLiteConnection, table: SQLiteTable) throws(ErrorInfo) {
        if !(try existingColumns(connection)).contains(SQLiteTable.recordIDColumn) {
            try connection.execute(
                "ALTER TABLE \(table.name.quoted) ADD COLUMN \(SQLiteTable.recordIDColumn) BLOB", operation: "connect")
        }
    }

    /// What `insert` writes: a value, or a record (whose JSON text, when it
    /// travels as text, is used as it is).
    private enum Row {
        case value(DataValue)
        case record(Record)
    }

    /// Inserts one record (skipped when its id is stored already); returns
    /// the location id it generated (document layout; nil for the typed
    /// layout, whose location id is the row id). `statement` is the table's
    /// insert, prepared once for the batch.
    private func insert(
        _ row: Row, id recordID: RecordID? = nil, index: Int, of count: Int = 1, createdAt: Int64, into table: SQLiteTable,
        statement: SQLiteStatement, scratch: inout SQLiteTable.BindScratch
    ) throws(ErrorInfo) -> String? {
        defer { statement.reset() }
        let locationID: String?
        if table.isDocument {
            if let key = table.key {
                let missing: String? =
                    switch row {
                    case .value(let value): key.missingField(in: value)
                    case .record(let record): table.missingKeyField(record, ranges: &scratch.ranges)
                    }
                if let missing { throw key.missing(missing, index: index, backend: id) }
            }
            let generated = recordID?.uuidString ?? LocationID.random()
            scratch.json.removeAll(keepingCapacity: true)
            do {
                switch row {
                case .value(let value): try RecordJSON.append(value, to: &scratch.json)
                case .record(let record): try RecordJSON.append(record, to: &scratch.json)
                }
            } catch {
                throw StorageErrors.invalid(
                    backend: id, operation: "store", "record \(index) cannot be written as JSON: \(error)",
                    details: ["record_index": .integer(Int64(index))])
            }
            try statement.bind(generated, at: 1)
            try statement.bind(createdAt, at: 2)
            try statement.bind(bytes: scratch.json, asText: true, at: 3)
            locationID = generated
        } else {
            switch row {
            case .value(let value): try table.bindColumns(of: value, index: index, to: statement, scratch: &scratch, backend: id)
            case .record(let record): try table.bindColumns(of: record, index: index, to: statement, scratch: &scratch, backend: id)
            }
            let position = Int32(table.columns.count + 1)
            if let recordID { try statement.bind(recordID, at: position) }
            locationID = nil
        }
        do {
            while try statement.step(operation: "store") {}
        } catch {
            var error = error
            // A record stored alone (as the storage manager retries a refused batch) is no batch.
            if count > 1 { error.message += " (record \(index) of the batch; nothing of the batch was stored)" }
            error.details["record_index"] = .integer(Int64(index))
            throw error
        }
        return locationID
    }

    /// Unix time in milliseconds: a batch's rows share the time of its call, as they share its transaction.
    private static func milliseconds() -> Int64 {
        Int64((Date().timeIntervalSince1970 * 1000).rounded())
    }

    /// Runs `body` in `BEGIN IMMEDIATE ... COMMIT`, rolling back on any failure.
    /// IMMEDIATE takes the write lock up front, so a busy database fails (or
    /// waits out the busy timeout) before any row is written.
    private func transaction<R>(
        _ connection: SQLiteConnection, operation: String, rows: Int, _ body: () throws(ErrorInfo) -> R
    ) throws(ErrorInfo) -> R {
        try checkInterrupt(connection)
        try connection.execute("BEGIN IMMEDIATE", operation: operation)
        do throws(ErrorInfo) {
            let result = try body()
            do {
                try connection.execute("COMMIT", operation: operation)
            } catch {
                // In WAL mode the rows reach the file at COMMIT (unless the page
                // cache spills before): a full disk usually fails here.
                var error = error
                error.message += rows > 1 ? " (at COMMIT; nothing of the batch was stored)" : " (at COMMIT; the record was not stored)"
                throw error
            }
            return result
        } catch {
            try? connection.execute("ROLLBACK", operation: operation)
            throw explainingFull(error)
        }
    }

    /// `SQLITE_FULL` does not say whether the cap (`maxPageCount`) or the file
    /// system ran out, so the message says what each holds. Retryable either
    /// way: the same batch stores once space is freed (a file removed, rows
    /// deleted).
    private func explainingFull(_ error: ErrorInfo) -> ErrorInfo {
        guard error.sqliteCode == .full else { return error }
        var error = error
        if let pages = options.maxPageCount { error.message += "; maxPageCount caps the database at \(max(pages, 1)) pages" }
        var info = statvfs()
        if statvfs(path, &info) == 0 {
            let free = Int64(info.f_bavail) * Int64(info.f_frsize)
            error.message += "; the file system holding it has \(free) bytes free"
            error.details["free_bytes"] = .integer(free)
        }
        error.isRetryable = true
        return error
    }
}

extension SQLiteStorage: CountingBackend, RecordIDKeeping, FileWritingBackend {
    public nonisolated var keepsRecordIDs: Bool { options.recordIDs }
    public nonisolated var writtenPath: String { path }

    /// `SELECT count(*)`: the rows are not read.
    public func storedCount() async throws -> Int {
        let (connection, table) = try connected("count")
        return try connection.withStatement("SELECT count(*) FROM \(table.name.quoted)", operation: "count") {
            (statement) throws(ErrorInfo) -> Int in
            guard try statement.step(operation: "count") else { return 0 }
            return Int(statement.int64(0))
        }
    }
}
