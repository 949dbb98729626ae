import CollectorValues

/// A place records are stored: SQLite, PostgreSQL, a JSON-lines file, memory.
/// (Seed: `IStorageBackend`.)
///
/// A record counts as stored only when `store` has returned: backends confirm
/// after their write is durable by their own rules (a committed transaction,
/// an fsync per the file policy). A batch is all-or-nothing.
public protocol StorageBackend: Sendable {
    /// Unique among the engine's backends. (Seed: `get_backend_id()`.)
    var id: String { get }

    /// Opens connections, creates the table if needed. Idempotent.
    func connect() async throws
    /// Releases everything; later calls fail with a "not connected" error. Idempotent.
    func disconnect() async

    func store(_ record: DataValue) async throws -> StorageLocation
    /// Stores the records in order, in one transaction where the backend has them.
    func store(batch records: [DataValue]) async throws -> StoredBatch
    /// Stores the records in order, like `store(batch:)`, once per id: a
    /// record whose id the backend already holds is skipped (see `RecordID`).
    /// What the pipeline calls. The default (for backends that keep no ids,
    /// such as JSON lines) stores the values as `store(batch:)` does;
    /// backends that can use a record's JSON text as it is
    /// (`Record.jsonText`) implement it too.
    func store(records: [Record]) async throws -> StoredBatch
    func query(_ criteria: QueryCriteria) async throws -> [DataValue]
    /// Deletes one stored record; an unknown id is a `.notFound` error.
    func delete(locationID: String) async throws
}

extension StorageBackend {
    public func store(records: [Record]) async throws -> StoredBatch {
        try await store(batch: records.map(\.value))
    }
}
