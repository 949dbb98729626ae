import CPostgres
import CollectorStorage
import Collectors
import CollectorValues
import Foundation

/// The server backend: records in a PostgreSQL table, over libpq.
///
///     let storage = try PostgresStorage(id: "main", url: "postgresql://collector:secret@db:5432/collector")
///     try await storage.connect()
///     _ = try await storage.store(batch: records)
///
/// A batch is one transaction: by default a `COPY` of its rows into a
/// temporary stage table and an `INSERT ... SELECT` from there
/// (`PostgresTable.copyScript`); with `batchMethod: .insert`, multi-row
/// `INSERT`s (up to `rowsPerStatement` rows each, prepared once per
/// connection), every value a parameter. Location ids are UUIDs made before
/// the first attempt, and rows insert with `ON CONFLICT (location_id) DO
/// NOTHING` whenever one of them may be there already: when the connection
/// drops during a call, the backend reconnects (`PQreset`, with backoff) and
/// runs the call again, and a batch is stored exactly once whether the drop
/// came before or after its commit reached the server.
///
/// libpq blocks, so the connection lives in this actor on a thread of its own.
/// Cancelling the task of a store or query stops it from another thread
/// (`PostgresInterrupt`): the server cancels the statement, the transaction
/// rolls back, the call throws `CancellationError`, and the connection
/// serves the next call.
/// The password is never part of a message, a description or a location.
public actor PostgresStorage: StorageBackend {
    public nonisolated let id: String
    public nonisolated let options: PostgresOptions
    /// The connection URL without its password: `postgresql://user@host:port/db`.
    public nonisolated let redactedURL: String

    private nonisolated let endpoint: PostgresEndpoint
    private let executor: StorageThreadExecutor
    private var connection: PostgresConnection?
    private var table: PostgresTable?
    private var parameters = PostgresParameters()
    private var copyRows = PostgresCopyRows()

    public nonisolated var unownedExecutor: UnownedSerialExecutor {
        executor.asUnownedSerialExecutor()
    }

    /// - Parameters:
    ///   - url: `postgresql://user:password@host:port/database` (or a libpq
    ///     `key=value` string); `nil` reads `DATABASE_URL` from `environment`.
    /// - Throws: `.configuration` when there is no URL or libpq cannot parse it.
    public init(
        id: String = "postgres", url: String? = nil, options: PostgresOptions = PostgresOptions(),
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(ErrorInfo) {
        guard let url = url ?? environment["DATABASE_URL"], !url.isEmpty else {
            throw ErrorInfo(
                .configuration, layer: .storage, operation: "configure",
                message: "no PostgreSQL URL: pass one, or set DATABASE_URL (postgresql://user:password@host:port/database)",
                details: ["backend_id": .string(id)])
        }
        self.id = id
        self.options = options
        endpoint = try PostgresEndpoint(url)
        redactedURL = endpoint.redacted
        executor = StorageThreadExecutor(name: "postgres-\(id)")
    }

    deinit {
        // The connection closes in its own deinit, right after this.
        executor.stop()
    }

    public func connect() async throws {
        if connection != nil { return }
        let table = try PostgresTable(options: options)
        let connection = try PostgresConnection(endpoint: endpoint, backend: id, connectTimeoutSeconds: options.connectTimeoutSeconds)
        try connection.withSchemaLock(options.table, operation: "connect") { (locked) throws(ErrorInfo) in
            try locked.execute(table.createSQL, operation: "connect")
            try checkLayout(locked, table: table)
            try makeKeyIndex(locked, table: table)
        }
        self.connection = connection
        self.table = table
    }

    /// A table that was there before (`CREATE TABLE IF NOT EXISTS` leaves it
    /// as it is) must have the columns of the layout the options give: else
    /// every store would fail with "column does not exist", and be retried
    /// as if the server were down.
    private func checkLayout(_ connection: PostgresConnection, table: PostgresTable) throws(ErrorInfo) {
        var parameters = PostgresParameters()
        _ = parameters.append(table.name.name)
        let result = try connection.execute(
            """
            SELECT column_name FROM information_schema.columns \
            WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position
            """, parameters, operation: "connect")
        let existing = (0..<result.rowCount).map { result.string(row: $0, column: 0) }
        let needed = ["location_id"] + (table.isDocument ? ["data"] : table.columns.map(\.identifier.name))
        guard let problem = ExistingTableCheck.problem(
            existing: existing, needed: needed, isDocument: table.isDocument, documentColumns: "id, location_id, created_at, data")
        else { return }
        connection.close()
        throw ErrorInfo(
            .configuration, layer: .storage, operation: "connect",
            message: "PostgreSQL table '\(options.table)' at \(redactedURL) \(problem)",
            details: ["backend_id": .string(id), "table": .string(options.table)])
    }

    public func disconnect() async {
        connection?.close()
        connection = nil
    }

    public func store(_ record: DataValue) async throws -> StorageLocation {
        let locationID = LocationID.random()
        try await interruptible("store") { () throws(ErrorInfo) in try insert([record], locationIDs: [locationID], operation: "store") }
        return StorageLocation(backendID: id, locationID: locationID, path: "\(redactedURL)/\(options.table)/\(locationID)")
    }

    public func store(batch records: [DataValue]) async throws -> StoredBatch {
        if records.isEmpty {
            _ = try connected("store")
            return StoredBatch(backendID: id, count: 0)
        }
        let locationIDs = records.map { _ in LocationID.random() }
        try await interruptible("store") { () throws(ErrorInfo) in try insert(records, locationIDs: locationIDs, operation: "store") }
        return StoredBatch(backendID: id, count: records.count)
    }

    /// Each record's `location_id` is its id's UUID, so a record stored
    /// again (from the spool, after a restart) is skipped by `ON CONFLICT`.
    public func store(records: [Record]) async throws -> StoredBatch {
        if records.isEmpty {
            _ = try connected("store")
            return StoredBatch(backendID: id, count: 0)
        }
        try await interruptible("store") { () throws(ErrorInfo) in
            try insert(records.map(\.value), locationIDs: records.map(\.id.uuidString), operation: "store")
        }
        return StoredBatch(backendID: id, count: records.count)
    }

    public func query(_ criteria: QueryCriteria) async throws -> [DataValue] {
        let (_, table) = try connected("query")
        try StorageErrors.checkPaging(criteria, backend: id)
        try StorageErrors.checkFilters(criteria, backend: id)
        guard let (sql, parameters) = try table.select(criteria, backend: id) else { return [] }
        return try await interruptible("query") { () throws(ErrorInfo) in try query(sql, parameters, table: table) }
    }

    private func query(_ sql: String, _ parameters: PostgresParameters, table: PostgresTable) throws(ErrorInfo) -> [DataValue] {
        try withReconnect(operation: "query") { connection throws(ErrorInfo) in
            let result = try connection.execute(sql, parameters, operation: "query")
            var records: [DataValue] = []
            records.reserveCapacity(result.rowCount)
            for row in 0..<result.rowCount {
                records.append(try table.record(from: result, row: row, backend: id))
            }
            return records
        }
    }

    public func delete(locationID: String) async throws {
        let (_, table) = try connected("delete")
        guard LocationID.isUUID(locationID) else {
            throw StorageErrors.notFound(backend: id, operation: "delete", locationID: locationID)
        }
        var parameters = PostgresParameters()
        _ = parameters.append(locationID)
        let deleted = try withReconnect(operation: "delete") { connection throws(ErrorInfo) in
            try connection.execute("DELETE FROM \(table.name.quoted) WHERE location_id = $1::uuid", parameters, operation: "delete")
                .affectedRows
        }
        if deleted == 0 {
            throw StorageErrors.notFound(backend: id, operation: "delete", locationID: locationID)
        }
    }

    // MARK: internals

    /// The key's unique index, and no other: an index of an earlier key
    /// (the option changed, or was removed) is dropped, so it no longer
    /// refuses rows. Rows that share the new key fail the index, saying so.
    private func makeKeyIndex(_ connection: PostgresConnection, table: PostgresTable) throws(ErrorInfo) {
        var parameters = PostgresParameters()
        _ = parameters.append(options.table)
        _ = parameters.append("^" + NaturalKey.indexPrefix(table: options.table) + "[0-9a-f]{8}$")
        let found = try connection.execute(
            "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() AND tablename = $1 AND indexname ~ $2",
            parameters, operation: "connect")
        for row in 0..<found.rowCount {
            let index = found.string(row: row, column: 0)
            // Names made by `NaturalKey.indexName` from a validated table name: quoting them is safe.
            if index != table.keyIndexName { try connection.execute("DROP INDEX IF EXISTS \"\(index)\"", operation: "connect") }
        }
        guard let sql = table.keyIndexSQL, let key = table.key else { return }
        do {
            try connection.execute(sql, operation: "connect")
        } catch {
            guard error.sqlState == .uniqueViolation else { throw error }
            var error = error
            error.message = "PostgreSQL connect failed on \(redactedURL): the key \(key.description) cannot be made unique: "
                + "rows of table '\(options.table)' already share a key (\(error.message))"
            throw error
        }
    }

    /// Runs `body` so that cancelling the calling task stops it (see
    /// `PostgresInterrupt`): the statement waiting on the server is
    /// cancelled there, the transaction rolls back, and the call throws
    /// `CancellationError`; the connection serves the next call. A call that
    /// committed before the cancellation reached it returns as usual.
    private func interruptible<R: Sendable>(_ operation: String, _ body: () throws(ErrorInfo) -> R) async throws -> R {
        guard let connection else { return try body() }
        return try await interruptibly(connection.interrupt, body) {
            connection.interrupt.waitForRequestsSent()
            connection.settleAfterCancel(operation: operation)
        }
    }

    private func connected(_ operation: String) throws(ErrorInfo) -> (PostgresConnection, PostgresTable) {
        guard let connection, let table else {
            throw StorageErrors.notConnected(backend: id, kind: "PostgreSQL", operation: operation)
        }
        return (connection, table)
    }

    /// Stores the records in one transaction (the whole call again after a reconnect).
    private func insert(_ records: [DataValue], locationIDs: [String], operation: String) throws(ErrorInfo) {
        switch options.batchMethod {
        case .copy: try insertByCopy(records, locationIDs: locationIDs, operation: operation)
        case .insert: try insertByStatements(records, locationIDs: locationIDs, operation: operation)
        }
    }

    /// Rows sent to libpq at a time during a `COPY`: the server parses a
    /// chunk while the next is encoded.
    private static let copyChunkBytes = 256 * 1024

    /// `COPY` into the session's stage table, then into the table: one
    /// transaction, one simple query (`PostgresTable.copyScript`), and one
    /// more when some of the rows are in the table already.
    private func insertByCopy(_ records: [DataValue], locationIDs: [String], operation: String) throws(ErrorInfo) {
        let (_, table) = try connected(operation)
        let context = records.count > 1
            ? "a batch of \(records.count) records (line n of the COPY is record n - 1); nothing of the batch was stored" : nil
        try withReconnect(operation: operation) { connection throws(ErrorInfo) in
            do throws(ErrorInfo) {
                try connection.startCopy(table.copyScript(createStage: !connection.hasStage), operation: operation, context: context)
                connection.hasStage = true
                try sendRows(records, locationIDs: locationIDs, table: table, over: connection, operation: operation, context: context)
                do throws(ErrorInfo) {
                    try connection.endCopy(operation: operation, context: context)
                } catch {
                    guard error.sqlState == .uniqueViolation, connection.isAlive else { throw error }
                    try connection.executeScript(table.mergeAgainScript, operation: operation, context: context)
                }
            } catch {
                if connection.isAlive { _ = try? connection.executeScript(PostgresTable.abandonScript, operation: operation) }
                connection.hasStage = false
                throw error
            }
        }
    }

    /// The rows of the `COPY` in progress, sent a chunk at a time; a record
    /// refused on the way ends the `COPY` as failed and throws why.
    private func sendRows(
        _ records: [DataValue], locationIDs: [String], table: PostgresTable, over connection: PostgresConnection,
        operation: String, context: String?
    ) throws(ErrorInfo) {
        copyRows.removeAll()
        defer { copyRows.removeAll() }
        do throws(ErrorInfo) {
            for index in records.indices {
                _ = copyRows.append(locationIDs[index])
                try table.appendRow(records[index], index: index, to: &copyRows, backend: id)
                copyRows.endRow()
                if copyRows.bytes.count >= Self.copyChunkBytes {
                    try connection.putCopyData(copyRows.bytes, operation: operation, context: context)
                    copyRows.removeAll()
                }
            }
            if !copyRows.isEmpty { try connection.putCopyData(copyRows.bytes, operation: operation, context: context) }
        } catch {
            connection.abortCopy("the client refused the batch: \(error.message)", operation: operation)
            throw error
        }
    }

    /// Multi-row `INSERT`s, `rowsPerStatement` rows each, between `BEGIN` and `COMMIT`.
    private func insertByStatements(_ records: [DataValue], locationIDs: [String], operation: String) throws(ErrorInfo) {
        let (_, table) = try connected(operation)
        let rowsPerStatement = max(1, min(options.rowsPerStatement, 65_535 / table.parametersPerRow))
        let fullSQL = table.insertSQL(rows: rowsPerStatement)
        let statementName = "collector_insert_\(rowsPerStatement)"
        let order = Self.rowsToWrite(records, table: table)
        try withReconnect(operation: operation) { connection throws(ErrorInfo) in
            try connection.execute("BEGIN", operation: operation)
            do throws(ErrorInfo) {
                var start = 0
                while start < order.count {
                    let end = min(start + rowsPerStatement, order.count)
                    parameters.removeAll()
                    for index in order[start..<end] {
                        _ = parameters.append(locationIDs[index])
                        try table.appendRow(records[index], index: index, to: &parameters, backend: id)
                    }
                    let context = records.count > 1 ? "records \(start)..<\(end) of the batch; nothing of the batch was stored" : nil
                    if end - start == rowsPerStatement {
                        try connection.executePrepared(name: statementName, sql: fullSQL, parameters, operation: operation, context: context)
                    } else {
                        try connection.execute(table.insertSQL(rows: end - start), parameters, operation: operation, context: context)
                    }
                    start = end
                }
                try connection.execute("COMMIT", operation: operation)
            } catch {
                if connection.isAlive { _ = try? connection.execute("ROLLBACK", operation: operation) }
                throw error
            }
        }
    }

    /// The records an `INSERT` batch writes, by index: all of them, except
    /// that with a key whose conflicts update rows, a record followed by
    /// another with the same key is left out (the later wins, as it would
    /// row by row; one statement may not update a row twice). A record
    /// without its key stays, to be refused.
    private static func rowsToWrite(_ records: [DataValue], table: PostgresTable) -> [Int] {
        guard table.updatesOnConflict else { return Array(records.indices) }
        var seen: Set<[DataValue]> = []
        var kept: [Int] = []
        for index in records.indices.reversed() {
            guard let values = table.keyValues(of: records[index]) else {
                kept.append(index)
                continue
            }
            if seen.insert(values).inserted { kept.append(index) }
        }
        return kept.reversed()
    }

    /// Runs `body`; when it fails because the connection dropped, reconnects
    /// (with backoff) and runs it again, up to `reconnectAttempts` times.
    private func withReconnect<R>(operation: String, _ body: (PostgresConnection) throws(ErrorInfo) -> R) throws(ErrorInfo) -> R {
        var lastError: ErrorInfo
        let (connection, _) = try connected(operation)
        do {
            return try body(connection)
        } catch {
            guard !connection.isAlive else { throw error }
            lastError = error
        }
        var delay = options.reconnectDelaySeconds
        for attempt in 1...max(options.reconnectAttempts, 1) {
            if connection.interrupt.sleep(delay) { throw connection.cancelled(operation) }
            delay = min(delay * 2, 2)
            if let failure = connection.reset() {
                lastError = PostgresErrors.fromConnect(failure, endpoint: endpoint, backend: id, operation: operation)
                lastError.message = "lost the connection and could not reconnect (attempt \(attempt)): " + lastError.message
                if lastError.type == .connection { lastError.isRetryable = true }
                continue
            }
            do {
                return try body(connection)
            } catch {
                guard !connection.isAlive else { throw error }
                lastError = error
            }
        }
        throw lastError
    }
}

extension PostgresStorage: CountingBackend {
    /// `SELECT count(*)`: the rows are not read.
    public func storedCount() async throws -> Int {
        let (_, table) = try connected("count")
        return try withReconnect(operation: "count") { connection throws(ErrorInfo) -> Int in
            let result = try connection.execute("SELECT count(*) FROM \(table.name.quoted)", operation: "count")
            guard result.rowCount == 1 else { return 0 }
            return Int(result.string(row: 0, column: 0)) ?? 0
        }
    }
}
