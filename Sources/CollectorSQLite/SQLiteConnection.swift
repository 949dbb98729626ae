import CSQLite
import Collectors

/// One open SQLite database handle and its prepared statements.
///
/// Not `Sendable`: it lives inside `SQLiteStorage`'s actor and is only ever
/// touched on that actor's thread. Statements are prepared once per SQL text
/// and reused (reset between uses); they are lent only for the length of a
/// closure (`withStatement`), so the bounded cache never finalizes one that
/// is in use.
final class SQLiteConnection {
    let path: String
    let backend: String
    private var handle: OpaquePointer?
    private var statements: [String: SQLiteStatement] = [:]
    /// Stops the operation under way from another thread (a cancelled task);
    /// also how statements wait for another connection's lock.
    let interrupt: SQLiteInterrupt

    init(path: String, backend: String, readOnly: Bool, busyTimeoutMilliseconds: Int) throws(ErrorInfo) {
        self.path = path
        self.backend = backend
        interrupt = SQLiteInterrupt(busyTimeoutMilliseconds: busyTimeoutMilliseconds)
        var db: OpaquePointer?
        let flags = (readOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) | SQLITE_OPEN_NOMUTEX
        let code = sqlite3_open_v2(path, &db, flags, nil)
        guard code == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) }
            sqlite3_close_v2(db)
            throw SQLiteErrors.make(code: code, message: message, path: path, backend: backend, operation: "connect")
        }
        handle = db
        sqlite3_extended_result_codes(db, 1)
        interrupt.attach(to: db)
    }

    deinit {
        close()
    }

    var isOpen: Bool { handle != nil }

    func close() {
        interrupt.detach()
        for statement in statements.values { statement.finalize() }
        statements.removeAll()
        if let handle { sqlite3_close_v2(handle) }
        handle = nil
    }

    /// Whether the main database is open for reading only (the file is
    /// write-protected, or the connection was opened read-only).
    var isReadOnly: Bool {
        guard let handle else { return true }
        return sqlite3_db_readonly(handle, "main") == 1
    }

    /// Whether a transaction is open (`BEGIN` without its `COMMIT` or `ROLLBACK`).
    var inTransaction: Bool { handle.map { sqlite3_get_autocommit($0) == 0 } ?? false }

    var changes: Int { handle.map { Int(sqlite3_changes64($0)) } ?? 0 }
    var lastInsertRowID: Int64 { handle.map { sqlite3_last_insert_rowid($0) } ?? 0 }

    /// Runs SQL text without parameters (schema, pragmas, transactions); rows are ignored.
    func execute(_ sql: String, operation: String) throws(ErrorInfo) {
        try withStatement(sql, operation: operation) { (statement) throws(ErrorInfo) in
            while try statement.step(operation: operation) {}
        }
    }

    /// How many statements the cache keeps; statements in use are never evicted
    /// (while they all are, it holds more until they are given back).
    static let statementCacheSize = 64

    /// Lends the statement for `sql` (cached, prepared on first use) to `body`,
    /// then resets it and clears its bindings. While `body` runs, the statement
    /// cannot be finalized by the cache; a nested use of the same SQL gets a
    /// statement of its own.
    func withStatement<R>(
        _ sql: String, operation: String, _ body: (SQLiteStatement) throws(ErrorInfo) -> R
    ) throws(ErrorInfo) -> R {
        let statement: SQLiteStatement
        var cached = true
        if let existing = statements[sql], !existing.isInUse {
            statement = existing
        } else {
            statement = try prepareNew(sql, operation: operation)
            if statements[sql] == nil {
                evictIfFull()
                statements[sql] = statement
            } else {
                cached = false
            }
        }
        statement.isInUse = true
        defer {
            statement.isInUse = false
            statement.reset()
            if !cached { statement.finalize() }
        }
        return try body(statement)
    }

    private func prepareNew(_ sql: String, operation: String) throws(ErrorInfo) -> SQLiteStatement {
        guard let handle else {
            throw SQLiteErrors.make(code: SQLITE_MISUSE, message: "the connection is closed", path: path, backend: backend, operation: operation)
        }
        var raw: OpaquePointer?
        let code = sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &raw, nil)
        guard code == SQLITE_OK, let raw else {
            throw error(code, operation: operation)
        }
        return SQLiteStatement(raw, connection: self)
    }

    /// Query texts vary with the criteria: keep the cache bounded, evicting
    /// only a statement nobody holds.
    private func evictIfFull() {
        guard statements.count >= Self.statementCacheSize,
            let (key, old) = statements.first(where: { !$0.value.isInUse })
        else { return }
        old.finalize()
        statements[key] = nil
    }

    /// How many statements are cached now.
    var cachedStatementCount: Int { statements.count }

    /// The `ErrorInfo` for a failed call, with the connection's current message.
    func error(_ code: Int32, operation: String, context: String? = nil) -> ErrorInfo {
        let message = handle.map { String(cString: sqlite3_errmsg($0)) }
        return SQLiteErrors.make(code: code, message: message, path: path, backend: backend, operation: operation, context: context)
    }
}
