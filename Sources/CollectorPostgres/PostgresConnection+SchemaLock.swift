import Collectors

extension PostgresConnection {
    /// Runs `body` (statements that make tables and indexes) holding a
    /// session-level advisory lock keyed by `name`. Without it, collectors
    /// connecting at once to a table that does not exist yet race in
    /// `CREATE TABLE IF NOT EXISTS`: each sees no table, and all but one fail
    /// on the catalog's unique index (`pg_class_relname_nsp_index`).
    @discardableResult
    func withSchemaLock<R>(
        _ name: String, operation: String, _ body: (PostgresConnection) throws(ErrorInfo) -> R
    ) throws(ErrorInfo) -> R {
        var key = PostgresParameters()
        _ = key.append("collector schema: \(name)")
        try execute("SELECT pg_advisory_lock(hashtext($1))", key, operation: operation)
        // A failed unlock leaves the lock to the session's end (the connection is then closed by the caller).
        defer { _ = try? execute("SELECT pg_advisory_unlock(hashtext($1))", key, operation: operation) }
        return try body(self)
    }
}
